import { randomBytes } from "node:crypto";
import { ClientEvent, createClient, SyncState, type MatrixClient } from "matrix-js-sdk";
import { inject } from "vitest";
import { registerUser } from "@aachat/synapse";

/** matrix-js-sdk logs every sync; tests only want its warnings. */
const quietLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => process.stderr.write(`[matrix-js-sdk] ${args.map(String).join(" ")}\n`),
  getChild: () => quietLogger,
};

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
  const client = createClient({ baseUrl: stack.homeserverUrl, accessToken, userId, deviceId, logger: quietLogger });
  const prepared = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        reject(new Error(`${userId}: first sync failed`));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 0, lazyLoadMembers: true });
  await prepared;
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
  const send = human.client.sendEvent.bind(human.client) as (
    roomId: string,
    type: string,
    content: Record<string, unknown>,
  ) => Promise<{ event_id: string }>;
  return send(roomId, "m.room.message", content);
}
