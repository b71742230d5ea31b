import { randomBytes } from "node:crypto";
import {
  PROTOCOL_VERSION,
  requestMethods,
  type Failure,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
} from "@aachat/protocol";
import { RequestError } from "./errors.ts";

/** Where a request frame is sent: the socket that has said hello. */
export interface RequestChannel {
  send(frame: string): void;
}

export type RequestOutcome = { ok: true; result: unknown } | { ok: false; error: Failure };

interface Pending {
  method: RequestMethod;
  frame: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  /** The channel it was last sent on; sent again on a new one after a reconnect. */
  sentOn: RequestChannel | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The agent's requests to the appservice that await their answers, matched by id. A request
 * outlives a connection: it is sent again on the next one (every method is safe to send
 * twice), and its answer's wait starts again each time it is sent.
 */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  #counter = 0;

  constructor(private readonly timeoutMs: number) {}

  /** A new request, sent at once when there is a channel, else on the next one. */
  add<M extends RequestMethod>(
    method: M,
    params: RequestParams<M>,
    channel: RequestChannel | null,
  ): Promise<RequestResult<M>> {
    const id = `q${++this.#counter}-${randomBytes(3).toString("hex")}`;
    const frame = JSON.stringify({ v: PROTOCOL_VERSION, type: "request", id, method, params });
    return new Promise<RequestResult<M>>((resolve, reject) => {
      const pending: Pending = {
        method,
        frame,
        resolve,
        reject,
        sentOn: null,
        timer: null,
      };
      this.#pending.set(id, pending);
      if (channel) this.#send(id, pending, channel);
    });
  }

  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Sends every request not yet sent on this channel (after its hello). */
  resend(channel: RequestChannel): void {
    for (const [id, pending] of this.#pending) if (pending.sentOn !== channel) this.#send(id, pending, channel);
  }

  /** The connection closed: no answer can come on it, so nothing times out until sent again. */
  pause(): void {
    for (const pending of this.#pending.values()) {
      if (pending.timer) clearTimeout(pending.timer);
      pending.timer = null;
    }
  }

  /** Resolves the request with its answer (checked against the method's result schema), or rejects it. */
  settle(id: string, outcome: RequestOutcome): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    if (!outcome.ok) {
      pending.reject(new RequestError(pending.method, outcome.error));
      return;
    }
    const result = requestMethods[pending.method].result.safeParse(outcome.result);
    if (result.success) pending.resolve(result.data);
    else
      pending.reject(
        new RequestError(pending.method, {
          code: "internal",
          message: "the appservice answered with a result of the wrong shape",
        }),
      );
  }

  /** Rejects every request with the same failure. */
  failAll(failure: Failure): void {
    for (const id of [...this.#pending.keys()]) this.settle(id, { ok: false, error: failure });
  }

  #send(id: string, pending: Pending, channel: RequestChannel): void {
    pending.sentOn = channel;
    channel.send(pending.frame);
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      this.settle(id, {
        ok: false,
        error: {
          code: "timeout",
          message: `the appservice did not answer within ${Math.round(this.timeoutMs / 1000)} s`,
        },
      });
    }, this.timeoutMs);
  }
}
