import { progress } from "../output.ts";

/**
 * Resolves with the first Ctrl-C (SIGINT) or SIGTERM from now on. The listeners stay after
 * it: signal-exit (under write-file-atomic) re-sends a signal to the process when it sees
 * no other listener, so a `once` listener, already gone by then, let a Ctrl-C during a
 * file write kill the process instead of stopping it. A second signal stops at once.
 */
export function stopRequested(): Promise<string> {
  return new Promise<string>((resolve) => {
    let received: string | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received === null) {
        received = signal;
        resolve(signal);
        return;
      }
      progress(`${signal} again: stopping now, without waiting for the rest to stop.`);
      process.exit(130);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
