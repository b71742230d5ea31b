import { randomBytes } from "node:crypto";
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  RUNTIME_CLOSE,
  RUNTIME_CLOSE_REASON,
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
import { DomainError } from "../errors/DomainError.ts";
import type { Db } from "../db/database.ts";
import { RequestFailure, type AgentRequests } from "./AgentRequests.ts";
import {
  MAX_REQUESTS_IN_FLIGHT,
  MAX_UNREAD_BYTES,
  MAX_UNREAD_STALL_MS,
  MAX_WAITING_REQUESTS,
  OVERLOAD_CLOSE_GRACE_MS,
  RESUME_UNREAD_BYTES,
} from "./limits.ts";
import { acknowledgeSignal, pendingSignals } from "../signals/signalStore.ts";
import { noRuntimeMetrics, type RuntimeMetrics } from "../metrics/AppserviceMetrics.ts";

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
 * Works on at most MAX_REQUESTS_IN_FLIGHT of its requests at once and stops reading its
 * socket while that many run or while its answers lie unread (see limits.ts).
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
  #resolveFirstState: (state: RuntimeState | null) => void = () => undefined;
  readonly #firstState = new Promise<RuntimeState | null>((resolve) => (this.#resolveFirstState = resolve));
  /** Requests and acknowledgements being worked on, and those read while the socket was being paused. */
  #inFlight = 0;
  readonly #waiting: (() => Promise<void>)[] = [];
  #drainScheduled = false;
  /** Whether MAX_UNREAD_BYTES of answers wait for the runtime to read them; the stall timer runs meanwhile. */
  #backlogged = false;
  #stallTimer: NodeJS.Timeout | null = null;
  /** Set once the runtime is disconnected as overloaded: whatever else it sends is dropped. */
  #dropping = false;
  /** When the runtime connected. */
  readonly connectedAt = new Date();
  /** Names this connection in logs and message keys. */
  readonly id = randomBytes(6).toString("hex");

  constructor(
    readonly agent: ConnectedAgent,
    private readonly ws: WebSocket,
    private readonly db: Db,
    private readonly requests: Pick<AgentRequests, "handle">,
    private readonly log: Logger,
    private readonly onState: (state: RuntimeState) => void,
    private readonly metrics: RuntimeMetrics = noRuntimeMetrics,
  ) {
    ws.on("message", (data, isBinary) => this.#receive(data, isBinary));
    ws.on("pong", () => (this.#alive = true));
    ws.on("error", (error) => log.warn({ err: error }, "runtime socket error"));
    ws.on("close", () => {
      this.#dropping = true;
      this.#resolveFirstState(null);
      if (this.#stallTimer) clearTimeout(this.#stallTimer);
      this.#waiting.length = 0;
      for (const [id, pending] of this.#commands) {
        clearTimeout(pending.timer);
        pending.reject(
          new DomainError("unavailable", `the runtime of agent ${agent.name} disconnected before answering`),
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

  /** The runtime's first report about itself; null if it closes or takes longer than `timeoutMs`. */
  firstState(timeoutMs: number): Promise<RuntimeState | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    return Promise.race([this.#firstState, timeout]).finally(() => clearTimeout(timer));
  }

  start(): void {
    const { name, userId, displayName, ownerUserId, dmRoomId } = this.agent;
    this.#send({
      v: PROTOCOL_VERSION,
      type: "hello",
      agent: { name, userId, displayName, ownerUserId, dmRoomId },
      serverTime: new Date().toISOString(),
    });
    void this.deliverPending();
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
          this.metrics.signalDelivered();
          this.log.debug({ signal: signal.id }, "sent signal");
        }
      } catch (error) {
        this.log.error({ err: error }, "could not deliver signals; they stay pending for the next connection");
      }
    });
    return this.#delivery;
  }

  /** Sends a command and resolves with the runtime's result; rejects with a DomainError. */
  command<C extends CommandName>(name: C, params: CommandParams<C>, timeoutMs: number): Promise<CommandResult<C>> {
    if (!this.isOpen) {
      return Promise.reject(new DomainError("unavailable", `the runtime of agent ${this.agent.name} is offline`));
    }
    const id = `cmd-${randomBytes(6).toString("hex")}`;
    return new Promise<CommandResult<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#commands.delete(id);
        reject(
          new DomainError(
            "timeout",
            `the runtime of agent ${this.agent.name} did not answer ${name} within ${Math.round(timeoutMs / 1000)} s; see \`aachat agent logs ${this.agent.name}\``,
          ),
        );
      }, timeoutMs);
      this.#commands.set(id, { name, resolve: resolve, reject, timer });
      this.#send({ v: PROTOCOL_VERSION, type: "command", id, name, params } as ServerFrame);
    });
  }

  /** Called by the heartbeat: false when the runtime never answered the previous ping. */
  heartbeat(): boolean {
    // While paused its pong cannot be read; the stall timer and the requests' own timeouts bound a pause.
    if (this.ws.isPaused) return true;
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
    // The runtime's close frame has to be read; frames before it are dropped (#receive).
    this.ws.resume();
    return closed.then(() => {
      clearTimeout(timer);
      return this.#delivery;
    });
  }

  terminate(): void {
    this.ws.terminate();
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#dropping) return;
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
        return this.#admit(() => this.#acknowledge(frame));
      case "request":
        return this.#admit(() => this.#answer(frame));
      case "command_result":
        return this.#commandResult(frame);
      case "state":
        this.#state = frame.state;
        this.#resolveFirstState(frame.state);
        this.onState(frame.state);
        return;
    }
  }

  /** Queues the work; it starts once a slot is free (see #scheduleDrain). */
  #admit(work: () => Promise<void>): void {
    if (this.#waiting.push(work) > MAX_WAITING_REQUESTS) {
      return this.#overloaded(`sent over ${MAX_WAITING_REQUESTS} requests past the limit of ${MAX_REQUESTS_IN_FLIGHT}`);
    }
    this.#scheduleDrain();
    this.#updateFlow();
  }

  /**
   * Starts one waiting work per turn of the event loop: SQLite answers synchronously, so
   * works started together run back to back, and one runtime's queue must not keep other
   * sockets and the HTTP API waiting.
   */
  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#waiting.length === 0) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      if (this.#dropping || this.#inFlight >= MAX_REQUESTS_IN_FLIGHT) return;
      const work = this.#waiting.shift();
      if (work) this.#run(work);
      this.#scheduleDrain();
      this.#updateFlow();
    });
  }

  #run(work: () => Promise<void>): void {
    this.#inFlight++;
    void work()
      .catch((error: unknown) => this.log.error({ err: error }, "a runtime frame's work failed"))
      .finally(() => {
        this.#inFlight--;
        this.#scheduleDrain();
        this.#updateFlow();
      });
  }

  /** Reads the runtime's socket only while it is under both limits; disconnects one that stays backlogged. */
  #updateFlow(): void {
    if (!this.isOpen) return;
    const unread = this.ws.bufferedAmount;
    if (!this.#backlogged && unread >= MAX_UNREAD_BYTES) {
      this.#backlogged = true;
      this.log.warn({ unreadBytes: unread }, "the runtime is not reading its answers; no longer reading its requests");
      this.#stallTimer = setTimeout(
        () => this.#overloaded(`left ${MAX_UNREAD_BYTES} bytes of answers unread for ${MAX_UNREAD_STALL_MS} ms`),
        MAX_UNREAD_STALL_MS,
      );
    } else if (this.#backlogged && unread <= RESUME_UNREAD_BYTES) {
      this.#backlogged = false;
      if (this.#stallTimer) clearTimeout(this.#stallTimer);
      this.#stallTimer = null;
      this.log.info("the runtime read its answers; reading its requests again");
    }
    const pause = this.#backlogged || this.#inFlight >= MAX_REQUESTS_IN_FLIGHT || this.#waiting.length > 0;
    if (pause && !this.ws.isPaused) this.ws.pause();
    else if (!pause && this.ws.isPaused) this.ws.resume();
  }

  #overloaded(what: string): void {
    if (this.#dropping) return;
    this.#dropping = true;
    this.#waiting.length = 0;
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
    if (!this.isOpen) return;
    this.log.warn({ problem: what }, "disconnecting an overloaded runtime");
    void this.close(RUNTIME_CLOSE.overloaded, RUNTIME_CLOSE_REASON.overloaded, OVERLOAD_CLOSE_GRACE_MS);
  }

  async #answer(frame: RequestFrame): Promise<void> {
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    try {
      const result = await this.requests.handle(this.agent.id, frame);
      this.metrics.runtimeRequest(frame.method, "ok", took());
      this.#send({ v: PROTOCOL_VERSION, type: "response", id: frame.id, ok: true, result });
    } catch (error) {
      const failure =
        error instanceof RequestFailure ? error.failure : { code: "internal" as const, message: "internal error" };
      this.metrics.runtimeRequest(frame.method, failure.code, took());
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
      // The caller's own mistakes pass through; anything else is the runtime failing.
      const passedThrough = ["invalid", "not_found", "conflict"] as const;
      const code = passedThrough.find((known) => known === frame.error.code) ?? "internal";
      pending.reject(new DomainError(code, frame.error.message));
      return;
    }
    const result = commands[pending.name].result.safeParse(frame.result);
    if (!result.success) {
      this.log.warn({ command: pending.name, issues: result.error.issues }, "the runtime answered with a bad result");
      pending.reject(
        new DomainError("internal", `the runtime answered ${pending.name} with a result of the wrong shape`),
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
      if (this.#sent.delete(frame.signalId)) this.metrics.signalAcknowledged();
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
    if (!this.isOpen) return;
    // Each flushed frame may bring the unread answers back under the limit.
    this.ws.send(JSON.stringify(frame), () => this.#updateFlow());
    this.#updateFlow();
  }
}
