import { ClientEvent, createClient, SyncState, type MatrixClient } from "matrix-js-sdk";

/** matrix-js-sdk logs every sync; tests and the bench only want its errors. */
const quietLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => process.stderr.write(`[matrix-js-sdk] ${args.map(String).join(" ")}\n`),
  getChild: () => quietLogger,
};

/**
 * A logged-in matrix-js-sdk client that has finished its first sync: a human's real
 * client for the tests and the bench. (No vitest here, so the bench can use it too.)
 */
export async function startSyncedClient(login: {
  baseUrl: string;
  userId: string;
  accessToken: string;
  deviceId: string;
}): Promise<MatrixClient> {
  const client = createClient({ ...login, logger: quietLogger });
  const prepared = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        client.off(ClientEvent.Sync, onSync);
        reject(new Error(`${login.userId}: first sync failed`));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 0, lazyLoadMembers: true });
  await prepared;
  return client;
}
