import { randomBytes } from "node:crypto";
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  commands,
  parseRuntimeFrame,
  type AckFrame,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type CommandResultFrame,
  type ErrorCode,
  type RequestFrame,
  type RuntimeState,
  type ServerFrame,
} from "@aachat/protocol";
import type { Logger } from "pino";
import { WebSocket, type RawData } from "ws";
import { ApiError } from "../api/ApiError.ts";
import type { Db } from "../db/database.ts";
import { RequestFailure, type AgentRequests } from "./AgentRequests.ts";
import { acknowledgeSignal, pendingSignals } from "./signalStore.ts";

export interface ConnectedAgent {
  id: number;
  name: string;
  userId: string;
  displayName: string;
  ownerUserId: string;
  dmRoomId: string;
}

interface PendingCommand {
  name: CommandName;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One runtime's WebSocket, acting only as its agent. Sends `hello`, then every pending
 * signal, then new ones as they are stored, each once per connection and in order;
 * answers the runtime's requests; passes on the owner's commands; keeps its last state.
 */
export class RuntimeConnection {
  /** Signals already sent on this connection and not yet acknowledged. */
  readonly #sent = new Set<string>();
  /** Deliveries run one after another so signals go out in order and never twice. */
  #delivery: Promise<void> = Promise.resolve();
  /** Whether the runtime answered the last heartbeat ping. */
  #alive = true;
  readonly #commands = new Map<string, PendingCommand>();
  #state: RuntimeState | null = null;
  /** When the runtime connected. */
  readonly connectedAt = new Date();

  constructor(
    readonly agent: ConnectedAgent,
    private readonly ws: WebSocket,
    private readonly db: Db,
    private readonly requests: AgentRequests,
    private readonly log: Logger,
    private readonly onState: (state: RuntimeState) => void,
  ) {
    ws.on("message", (data, isBinary) => this.#receive(data, isBinary));
    ws.on("pong", () => (this.#alive = true));
    ws.on("error", (error) => log.warn({ err: error }, "runtime socket error"));
    ws.on("close", () => {
      for (const [id, pending] of this.#commands) {
        clearTimeout(pending.timer);
        pending.reject(
          new ApiError("runtime_unavailable", `the runtime of agent ${agent.name} disconnected before answering`),
        );
        this.#commands.delete(id);
      }
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** What the runtime last reported about itself, once it has. */
  get state(): RuntimeState | null {
    return this.#state;
  }

  start(): void {
    const { name, userId, displayName, ownerUserId, dmRoomId } = this.agent;
    this.#send({
      v: PROTOCOL_VERSION,
      type: "hello",
      agent: { name, userId, displayName, ownerUserId, dmRoomId },
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

  /** Sends a command and resolves with the runtime's result; rejects with an ApiError. */
  command<C extends CommandName>(name: C, params: CommandParams<C>, timeoutMs: number): Promise<CommandResult<C>> {
    if (!this.isOpen) {
      return Promise.reject(new ApiError("runtime_unavailable", `the runtime of agent ${this.agent.name} is offline`));
    }
    const id = `cmd-${randomBytes(6).toString("hex")}`;
    return new Promise<CommandResult<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#commands.delete(id);
        reject(
          new ApiError(
            "runtime_timeout",
            `the runtime of agent ${this.agent.name} did not answer ${name} within ${Math.round(timeoutMs / 1000)} s; see \`aachat agent logs ${this.agent.name}\``,
          ),
        );
      }, timeoutMs);
      this.#commands.set(id, { name, resolve: resolve as (result: unknown) => void, reject, timer });
      this.#send({ v: PROTOCOL_VERSION, type: "command", id, name, params } as ServerFrame);
    });
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
      case "request":
        void this.#answer(frame);
        return;
      case "command_result":
        return this.#commandResult(frame);
      case "state":
        this.#state = frame.state;
        this.onState(frame.state);
        return;
    }
  }

  async #answer(frame: RequestFrame): Promise<void> {
    try {
      const result = await this.requests.handle(this.agent.id, frame);
      this.#send({ v: PROTOCOL_VERSION, type: "response", id: frame.id, ok: true, result });
    } catch (error) {
      const failure =
        error instanceof RequestFailure ? error.failure : { code: "internal" as const, message: "internal error" };
      const log = failure.code === "internal" ? this.log.error.bind(this.log) : this.log.info.bind(this.log);
      log(
        { err: error instanceof RequestFailure ? (error.cause ?? error) : error, method: frame.method },
        "request failed",
      );
      this.#send({ v: PROTOCOL_VERSION, type: "response", id: frame.id, ok: false, error: failure });
    }
  }

  #commandResult(frame: CommandResultFrame): void {
    const pending = this.#commands.get(frame.id);
    if (!pending) {
      this.log.info({ id: frame.id }, "a command result for no pending command (it may have timed out)");
      return;
    }
    this.#commands.delete(frame.id);
    clearTimeout(pending.timer);
    if (!frame.ok) {
      const code =
        frame.error.code === "invalid" || frame.error.code === "not_found" || frame.error.code === "conflict"
          ? frame.error.code === "invalid"
            ? "invalid_request"
            : frame.error.code
          : "runtime_error";
      pending.reject(new ApiError(code, frame.error.message));
      return;
    }
    const result = commands[pending.name].result.safeParse(frame.result);
    if (!result.success) {
      this.log.warn({ command: pending.name, issues: result.error.issues }, "the runtime answered with a bad result");
      pending.reject(
        new ApiError("runtime_error", `the runtime answered ${pending.name} with a result of the wrong shape`),
      );
      return;
    }
    pending.resolve(result.data);
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
