import { setTimeout as sleep } from "node:timers/promises";
import { HomeserverNotReadyError } from "./errors.ts";

const POLL_INTERVAL_MS = 150;
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * Resolves once GET {url}/_matrix/client/versions answers 200. Throws HomeserverNotReadyError after
 * timeoutMs; rejects with the signal's reason as soon as `signal` aborts (e.g. the process died).
 */
export async function waitForHomeserver(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const versionsUrl = new URL("/_matrix/client/versions", url).toString();
  const deadline = Date.now() + timeoutMs;
  let lastProblem: string;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const response = await fetch(versionsUrl, {
        signal: anySignal(signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)),
      });
      await response.body?.cancel();
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (err) {
      signal?.throwIfAborted();
      lastProblem = describeFetchError(err);
    }
    if (Date.now() + POLL_INTERVAL_MS > deadline) throw new HomeserverNotReadyError(url, timeoutMs, lastProblem);
    await sleep(POLL_INTERVAL_MS, undefined, signal ? { signal } : {}).catch(() => signal?.throwIfAborted());
  }
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}
