import type { Socket } from "node:net";

/**
 * Tells when the homeserver process that sends the appservice its transactions went away,
 * so that the rooms' recent events are read back (catchUpMissedEvents).
 *
 * Synapse moves its appservice stream on before it puts the events it took into a
 * transaction: the events a sender held in memory when it was killed (the main process, or
 * the worker named by `notify_appservices_from_worker`) are never sent. Such a sender's
 * keep-alive connection is closed from its side, which the appservice's own idle timeout
 * never does (that destroys the socket, with no `end` from the peer). Each such close calls
 * the action at once (the events it lost are already in the rooms), and again with the first
 * transaction after it (the homeserver is surely back by then).
 */
export class SenderWatch {
  readonly #watched = new WeakSet<Socket>();
  #gone = false;
  #action: () => void = () => undefined;

  /** Sets what to do when the sender went away; until then, nothing is done. */
  whenGone(action: () => void): void {
    this.#action = action;
  }

  /** Called with the connection each transaction of the homeserver arrived on. */
  transactionArrived(socket: Socket): void {
    if (this.#gone) {
      this.#gone = false;
      this.#action();
    }
    if (this.#watched.has(socket)) return;
    this.#watched.add(socket);
    let endedByPeer = false;
    socket.once("end", () => (endedByPeer = true));
    socket.once("close", (hadError: boolean) => {
      if (!endedByPeer && !hadError) return;
      this.#gone = true;
      this.#action();
    });
  }
}

/**
 * Runs `work` now, or, when a run is under way, once more right after it: calls never
 * overlap, and a call during a run is never lost.
 */
export function coalesced(work: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      await work();
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => (running = undefined));
    return running;
  };
}
