import { randomBytes } from "node:crypto";
import type { MatrixClient } from "matrix-js-sdk";
import { inject } from "vitest";
import { registerUser } from "@aachat/synapse";
import { startSyncedClient } from "./syncedClient.ts";

export interface Human {
  userId: string;
  accessToken: string;
  client: MatrixClient;
}

const started: MatrixClient[] = [];

/**
 * A new human user on the shared homeserver (registered through the admin API), logged
 * in as a real matrix-js-sdk client that is syncing. Each call makes a fresh user.
 */
export async function createHuman(prefix = "human"): Promise<Human> {
  const stack = inject("stack");
  const username = `${prefix}-${randomBytes(4).toString("hex")}`;
  const { userId, accessToken, deviceId } = await registerUser({
    homeserverUrl: stack.homeserverUrl,
    sharedSecret: stack.registrationSharedSecret,
    username,
    password: randomBytes(12).toString("hex"),
  });
  const client = await startSyncedClient({ baseUrl: stack.homeserverUrl, userId, accessToken, deviceId });
  started.push(client);
  return { userId, accessToken, client };
}

/** Stops every client createHuman started (call from afterAll). */
export function stopHumans(): void {
  for (const client of started.splice(0)) client.stopClient();
}

/**
 * Sends any m.room.message content as the human through their client (edits, threads,
 * intentional mentions), without matrix-js-sdk's narrower content types in the way.
 */
export async function sendContent(
  human: Human,
  roomId: string,
  content: Record<string, unknown>,
): Promise<{ event_id: string }> {
  return sendEvent(human, roomId, "m.room.message", content);
}

/** Reacts to an event as the human (an `m.annotation`, as a client's reaction button sends). */
export async function sendReaction(
  human: Human,
  roomId: string,
  eventId: string,
  key: string,
): Promise<{ event_id: string }> {
  return sendEvent(human, roomId, "m.reaction", {
    "m.relates_to": { rel_type: "m.annotation", event_id: eventId, key },
  });
}

function sendEvent(
  human: Human,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<{ event_id: string }> {
  // The cast replaces sendEvent's per-event-type overloads with one that takes any content.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const send = human.client.sendEvent.bind(human.client) as (
    roomId: string,
    type: string,
    content: Record<string, unknown>,
  ) => Promise<{ event_id: string }>;
  return send(roomId, type, content);
}
