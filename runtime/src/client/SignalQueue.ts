import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";

export interface SignalQueueOptions {
  /** Takes a signal over durably (or recognises one taken before); resolves once it may be acknowledged. */
  take(signal: SignalPayload): Promise<void>;
  /** Test seam: runs after a signal is taken over, just before its ack is sent. */
  beforeAck?: (signal: SignalPayload) => void | Promise<void>;
  /** Acknowledges the signal on the open connection; false when there is none to do it on. */
  ack(signalId: string): boolean;
  /** Whether the client is stopping: signals still queued are left for the replay. */
  stopping(): boolean;
  taken(event: { signalId: string; acked: boolean }): void;
  failed(event: { signalId: string; error: unknown }): void;
  log: Logger;
}

/**
 * The signals the appservice sent, taken over one at a time in arrival order and each
 * acknowledged once taken. A signal that could not be taken, or whose ack found no open
 * connection, stays unacknowledged: the appservice sends it again after the next hello.
 */
export class SignalQueue {
  #tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: SignalQueueOptions) {}

  push(signal: SignalPayload): void {
    this.#tail = this.#tail.then(() => this.#take(signal));
  }

  /** Resolves once every signal pushed so far has been dealt with. */
  drained(): Promise<void> {
    return this.#tail;
  }

  async #take(signal: SignalPayload): Promise<void> {
    const { options } = this;
    if (options.stopping()) return;
    const log = options.log.child({ signalId: signal.id });
    try {
      await options.take(signal);
    } catch (error) {
      log.error({ err: error }, "could not take a signal over; it stays unacknowledged and is replayed on reconnect");
      options.failed({ signalId: signal.id, error });
      return;
    }
    try {
      await options.beforeAck?.(signal);
    } catch (error) {
      log.error({ err: error }, "the beforeAck hook threw");
    }
    const acked = !options.stopping() && options.ack(signal.id);
    if (!acked) log.info("no open connection to acknowledge on; the signal will be replayed and acknowledged then");
    options.taken({ signalId: signal.id, acked });
  }
}
