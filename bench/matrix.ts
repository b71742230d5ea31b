import { randomBytes } from "node:crypto";
import { ClientEvent, type MatrixClient } from "matrix-js-sdk";
import { startSyncedClient } from "../test/support/syncedClient.ts";
import { registerUser } from "@aachat/synapse";
import type { Stack } from "./stack.ts";

const REQUEST_TIMEOUT_MS = 30_000;

export interface Human {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/** A new human on the homeserver, registered with the shared secret. */
export async function registerHuman(stack: Stack, prefix: string): Promise<Human> {
  return registerUser({
    homeserverUrl: stack.homeserverUrl,
    sharedSecret: stack.registrationSharedSecret,
    username: `${prefix}-${randomBytes(4).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
  });
}

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 300)}`);
  }
}

/** One JSON request with a Bearer token; resolves with the parsed body of a 2xx answer, throws HttpError otherwise. */
export async function jsonRequest(
  baseUrl: string,
  accessToken: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpError(response.status, text, `${method} ${path}`);
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

/** A logged-in matrix-js-sdk client that has finished its first sync. */
export function startSyncingClient(stack: Stack, human: Human): Promise<MatrixClient> {
  return startSyncedClient({ baseUrl: stack.homeserverUrl, ...human });
}

/** Resolves once `check()` holds, re-checking after every sync; rejects after `timeoutMs`. */
export function waitForClientState(
  client: MatrixClient,
  description: string,
  check: () => boolean,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (check()) return resolve();
    const onSync = () => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off(ClientEvent.Sync, onSync);
    };
    client.on(ClientEvent.Sync, onSync);
  });
}
