import type { Logger } from "pino";
import { WebSocket, type RawData } from "ws";
import type { Db } from "../db/database.ts";
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  parseRuntimeFrame,
  type AckFrame,
  type ErrorCode,
  type ServerFrame,
} from "../protocol/frames.ts";
import { acknowledgeSignal, pendingSignals } from "./signalStore.ts";

export interface ConnectedAgent {
  id: number;
  name: string;
  userId: string;
  ownerUserId: string;
}

/**
 * One runtime's WebSocket, acting only as its agent. Sends `hello`, then every pending
 * signal, then new ones as they are stored; each signal once per connection, in order.
 */
export class RuntimeConnection {
  /** Signals already sent on this connection and not yet acknowledged. */
  readonly #sent = new Set<string>();
  /** Deliveries run one after another so signals go out in order and never twice. */
  #delivery: Promise<void> = Promise.resolve();
  /** Whether the runtime answered the last heartbeat ping. */
  #alive = true;
  /** When the runtime connected. */
  readonly connectedAt = new Date();

  constructor(
    readonly agent: ConnectedAgent,
    private readonly ws: WebSocket,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    ws.on("message", (data, isBinary) => this.#receive(data, isBinary));
    ws.on("pong", () => (this.#alive = true));
    ws.on("error", (error) => log.warn({ err: error }, "runtime socket error"));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#send({
      v: PROTOCOL_VERSION,
      type: "hello",
      agent: { name: this.agent.name, userId: this.agent.userId },
      serverTime: new Date().toISOString(),
    });
    this.deliverPending();
  }

  /** Sends the stored signals this connection has not sent yet. */
  deliverPending(): Promise<void> {
    this.#delivery = this.#delivery.then(async () => {
      if (!this.isOpen) return;
      try {
        for (const signal of await pendingSignals(this.db, this.agent.id)) {
          if (!this.isOpen) return;
          if (this.#sent.has(signal.id)) continue;
          this.#sent.add(signal.id);
          this.#send({ v: PROTOCOL_VERSION, type: "signal", signal });
          this.log.debug({ signal: signal.id }, "sent signal");
        }
      } catch (error) {
        this.log.error({ err: error }, "could not deliver signals; they stay pending for the next connection");
      }
    });
    return this.#delivery;
  }

  /** Called by the heartbeat: false when the runtime never answered the previous ping. */
  heartbeat(): boolean {
    if (!this.#alive) return false;
    this.#alive = false;
    this.ws.ping();
    return true;
  }

  /** Closes the socket and resolves once it is closed (terminating it if the runtime doesn't answer in time). */
  close(code: number, reason: string, graceMs = 2000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return this.#delivery;
    const closed = new Promise<void>((resolve) => this.ws.once("close", () => resolve()));
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    this.ws.close(code, reason);
    return closed.then(() => {
      clearTimeout(timer);
      return this.#delivery;
    });
  }

  terminate(): void {
    this.ws.terminate();
  }

  #receive(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
    if (isBinary)
      return this.#error("invalid_frame", "binary frames are not part of the protocol; send JSON text frames");
    if (bytes.byteLength > MAX_FRAME_BYTES) {
      return this.#error("too_large", `the frame has ${bytes.byteLength} bytes; the limit is ${MAX_FRAME_BYTES}`);
    }
    const parsed = parseRuntimeFrame(bytes.toString("utf8"));
    if (!parsed.ok) {
      this.log.info({ code: parsed.error.code, reason: parsed.error.message }, "rejected a bad frame");
      return this.#error(parsed.error.code, parsed.error.message, parsed.error.frameId);
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case "ping":
        return this.#send({ v: PROTOCOL_VERSION, type: "pong", ...(frame.id === undefined ? {} : { id: frame.id }) });
      case "ack":
        void this.#acknowledge(frame);
        return;
    }
  }

  async #acknowledge(frame: AckFrame): Promise<void> {
    try {
      const result = await acknowledgeSignal(this.db, this.agent.id, frame.signalId);
      if (result === "unknown") {
        return this.#error(
          "unknown_signal",
          `signal ${JSON.stringify(frame.signalId)} is not a signal of agent ${this.agent.name}; acknowledge only ids from signal frames of this connection`,
          frame.id ?? null,
        );
      }
      this.#sent.delete(frame.signalId);
      this.log.debug({ signal: frame.signalId }, "signal acknowledged");
    } catch (error) {
      this.log.error({ err: error, signal: frame.signalId }, "could not store an acknowledgement");
      this.#error("internal", "the acknowledgement could not be stored; send it again", frame.id ?? null);
    }
  }

  #error(code: ErrorCode, message: string, frameId: string | null = null): void {
    this.#send({ v: PROTOCOL_VERSION, type: "error", code, message, frameId });
  }

  #send(frame: ServerFrame): void {
    if (this.isOpen) this.ws.send(JSON.stringify(frame));
  }
}
