import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  PROTOCOL_VERSION,
  RUNTIME_CLOSE,
  commands,
  parseServerFrame,
  requestMethods,
  type CommandFrame,
  type Failure,
  type HelloFrame,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type RuntimeFrame,
  type RuntimeState,
  type SignalPayload,
} from "@aachat/protocol";
import type { Logger } from "pino";
import { WebSocket, type RawData } from "ws";

/** Close code: the agent's runtime token was rotated or revoked. */
export const CLOSE_TOKEN_REVOKED = RUNTIME_CLOSE.credentialsChanged;
/** Close code: another connection of the same agent replaced this one. */
export const CLOSE_REPLACED = RUNTIME_CLOSE.replaced;

/** The appservice refused the runtime token (HTTP 401 at upgrade, or close code 4001). */
export class RuntimeAuthError extends Error {
  override readonly name = "RuntimeAuthError";
  constructor(agentName?: string) {
    super(`the runtime token was refused; make a new one with \`aachat agent token rotate ${agentName ?? "NAME"}\``);
  }
}

/** A newer runtime connection of the same agent took over (close code 4000): this runtime is displaced. */
export class RuntimeReplacedError extends Error {
  override readonly name = "RuntimeReplacedError";
  /** When it happened. */
  readonly at = new Date().toISOString();
  constructor(agentName?: string) {
    const agent = agentName ?? "NAME";
    super(
      `displaced: another runtime connected with the token of agent ${agent} and replaced this one, which stops ` +
        `and will not reconnect. If that wasn't you, rotate the token: \`aachat agent token rotate ${agent}\``,
    );
  }
}

/** The appservice refused a request, or it could not be answered. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly method: string,
    readonly failure: Failure,
  ) {
    super(`${method}: ${failure.message}`);
  }
}

/** A command the runtime could not carry out; its failure goes back to whoever asked. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

export interface RuntimeStopped {
  /** "requested": stop() was called; otherwise the reason the runtime gave up on its own. */
  reason: "requested" | "auth" | "replaced";
  error: RuntimeAuthError | RuntimeReplacedError | null;
}

export interface RuntimeClientOptions {
  /** The appservice, as ws://host:port or http://host:port (or the s forms). */
  serverUrl: string;
  /** The agent's runtime token. Never logged. */
  token: string;
  logger: Logger;
  /**
   * Takes a signal over durably (or recognises one taken before); the signal is
   * acknowledged once this resolves. Called in arrival order, one at a time.
   */
  onSignal: (signal: SignalPayload) => Promise<void>;
  /** Carries out the owner's command; rejects with a CommandError to answer with its failure. */
  onCommand?: (command: CommandFrame) => Promise<unknown>;
  /** The runtime's state, sent after each connect and on stateChanged(). */
  state?: () => RuntimeState;
  backoff?: { initialMs: number; maxMs: number };
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** How long the appservice may take to answer a request once it was sent. */
  requestTimeoutMs?: number;
  /** Test seam: runs after a signal is taken over, just before its ack is sent. */
  beforeAck?: (signal: SignalPayload) => void | Promise<void>;
}

export interface RuntimeClientEvents {
  connected: [hello: HelloFrame];
  disconnected: [close: { code: number; reason: string }];
  "signal-taken": [event: { signalId: string; acked: boolean }];
  "signal-failed": [event: { signalId: string; error: unknown }];
  stopped: [stopped: RuntimeStopped];
}

type EventName = keyof RuntimeClientEvents;

interface PendingRequest {
  method: RequestMethod;
  frame: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  /** The socket it was last sent on; sent again after a reconnect. */
  sentOn: WebSocket | null;
  timer: NodeJS.Timeout | null;
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const DEFAULT_HEARTBEAT = { intervalMs: 25_000, timeoutMs: 10_000 };
/** After being disconnected as overloaded, reconnect no sooner than this step of the backoff (~4 s by default). */
const OVERLOADED_BACKOFF_ATTEMPT = 4;

/**
 * One agent's connection to the appservice: a single WebSocket that receives signals
 * (each handed to `onSignal` in order, then acknowledged), sends the agent's requests and
 * their answers back, carries out the owner's commands and reports the runtime's state.
 * Reconnects with backoff on its own (after being disconnected as overloaded too); stops for
 * good when its token is refused or a newer runtime of the agent takes over.
 */
export class RuntimeClient {
  readonly #options: RuntimeClientOptions;
  readonly #log: Logger;
  readonly #events = new EventEmitter();
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #heartbeat: { intervalMs: number; timeoutMs: number };
  readonly #requests = new Map<string, PendingRequest>();
  #requestCounter = 0;
  #ws: WebSocket | null = null;
  /** The socket that has said hello: requests, acks and state go on it. */
  #ready: WebSocket | null = null;
  #agent: HelloFrame["agent"] | null = null;
  #attempt = 0;
  #started = false;
  #stopping = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #queue: Promise<void> = Promise.resolve();
  #stopping$: Promise<void> | null = null;
  #resolveStopped: (stopped: RuntimeStopped) => void = () => undefined;
  /** Resolves once the client has stopped, with why; never rejects. */
  readonly stopped: Promise<RuntimeStopped>;

  constructor(options: RuntimeClientOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: "runtime-client" });
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  on<E extends EventName>(event: E, listener: (...args: RuntimeClientEvents[E]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends EventName>(event: E, listener: (...args: RuntimeClientEvents[E]) => void): this {
    this.#events.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends EventName>(event: E, listener: (...args: RuntimeClientEvents[E]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** The agent from the last hello, once connected. */
  get agent(): HelloFrame["agent"] | null {
    return this.#agent;
  }

  get connected(): boolean {
    return this.#ready !== null && this.#ready.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.#started) throw new Error("the runtime client was already started");
    this.#started = true;
    this.#connect();
  }

  /** Closes the connection, lets a signal being taken over finish, and resolves once stopped. */
  stop(): Promise<void> {
    return this.#finish({ reason: "requested", error: null });
  }

  /**
   * Asks the appservice to act as the agent and resolves with its answer. While the
   * connection is down the request waits and is sent after the next hello; every method is
   * safe to send twice. Rejects with a RequestError when refused or unanswered.
   */
  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    if (this.#stopping)
      return Promise.reject(new RequestError(method, { code: "unavailable", message: "the runtime is stopping" }));
    const id = `q${++this.#requestCounter}-${randomBytes(3).toString("hex")}`;
    const frame = JSON.stringify({ v: PROTOCOL_VERSION, type: "request", id, method, params });
    return new Promise<RequestResult<M>>((resolve, reject) => {
      const pending: PendingRequest = {
        method,
        frame,
        resolve: resolve as (result: unknown) => void,
        reject,
        sentOn: null,
        timer: null,
      };
      this.#requests.set(id, pending);
      if (this.#ready) this.#sendRequest(id, pending, this.#ready);
    });
  }

  /** Sends the runtime's current state (after its sessions changed). */
  stateChanged(): void {
    if (this.#ready) this.#sendState(this.#ready);
  }

  #emit<E extends EventName>(event: E, ...args: RuntimeClientEvents[E]): void {
    try {
      this.#events.emit(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, "a runtime client event listener threw");
    }
  }

  #socketUrl(): string {
    return `${this.#options.serverUrl.replace(/\/+$/, "").replace(/^http/, "ws")}/runtime/v1/socket`;
  }

  #connect(): void {
    const url = this.#socketUrl();
    this.#log.debug({ url, attempt: this.#attempt }, "connecting to the appservice");
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.#options.token}` },
      handshakeTimeout: 15_000,
    });
    this.#ws = ws;
    let refusedStatus: number | null = null;
    let opened = false;
    let pingTimer: NodeJS.Timeout | null = null;
    let pongTimer: NodeJS.Timeout | null = null;
    const stopHeartbeat = () => {
      if (pingTimer) clearInterval(pingTimer);
      if (pongTimer) clearTimeout(pongTimer);
      pingTimer = pongTimer = null;
    };

    ws.on("unexpected-response", (_request, response) => {
      refusedStatus = response.statusCode ?? 0;
      response.resume();
      ws.terminate();
    });
    ws.on("error", (error) => {
      this.#log.debug({ err: { message: error.message } }, "runtime socket error");
    });
    ws.on("open", () => {
      opened = true;
      pingTimer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN || pongTimer) return;
        this.#send(ws, { v: PROTOCOL_VERSION, type: "ping", id: `ping-${randomBytes(4).toString("hex")}` });
        pongTimer = setTimeout(() => {
          this.#log.warn({ timeoutMs: this.#heartbeat.timeoutMs }, "no pong from the appservice; reconnecting");
          ws.terminate();
        }, this.#heartbeat.timeoutMs);
      }, this.#heartbeat.intervalMs);
    });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.#log.warn("ignoring a binary frame from the appservice");
        return;
      }
      const parsed = parseServerFrame(rawToString(data));
      if (!parsed.ok) {
        this.#log.warn({ code: parsed.error.code, problem: parsed.error.message }, "ignoring an invalid server frame");
        const pending = parsed.error.frameId ? this.#requests.get(parsed.error.frameId) : undefined;
        if (pending)
          this.#settle(parsed.error.frameId!, { ok: false, error: { code: "invalid", message: parsed.error.message } });
        return;
      }
      const frame = parsed.frame;
      switch (frame.type) {
        case "hello":
          this.#agent = frame.agent;
          this.#attempt = 0;
          this.#ready = ws;
          this.#log.info({ agent: frame.agent.name, userId: frame.agent.userId }, "connected to the appservice");
          this.#sendState(ws);
          for (const [id, pending] of this.#requests) if (pending.sentOn !== ws) this.#sendRequest(id, pending, ws);
          this.#emit("connected", frame);
          return;
        case "signal":
          this.#enqueue(frame.signal);
          return;
        case "pong":
          if (pongTimer) clearTimeout(pongTimer);
          pongTimer = null;
          return;
        case "response":
          this.#settle(frame.id, frame.ok ? { ok: true, result: frame.result } : { ok: false, error: frame.error });
          return;
        case "command":
          void this.#runCommand(ws, frame);
          return;
        case "error": {
          this.#log.warn(
            { code: frame.code, problem: frame.message, frameId: frame.frameId },
            "the appservice reported an error about a frame",
          );
          if (frame.frameId && this.#requests.has(frame.frameId)) {
            this.#settle(frame.frameId, { ok: false, error: { code: "invalid", message: frame.message } });
          }
          return;
        }
      }
    });
    ws.on("close", (code: number, reasonBuffer: Buffer) => {
      stopHeartbeat();
      if (this.#ws === ws) this.#ws = null;
      if (this.#ready === ws) this.#ready = null;
      for (const pending of this.#requests.values()) {
        if (pending.timer) clearTimeout(pending.timer);
        pending.timer = null;
      }
      const reason = reasonBuffer.toString();
      if (opened) {
        this.#log.info({ code, reason }, "disconnected from the appservice");
        this.#emit("disconnected", { code, reason });
      }
      if (this.#stopping) return;
      const agentName = this.#agent?.name;
      if (refusedStatus === 401 || code === CLOSE_TOKEN_REVOKED) {
        const error = new RuntimeAuthError(agentName);
        this.#log.error({ status: refusedStatus, code, reason }, error.message);
        void this.#finish({ reason: "auth", error });
        return;
      }
      if (code === CLOSE_REPLACED) {
        const error = new RuntimeReplacedError(agentName);
        this.#log.error({ code, reason }, error.message);
        void this.#finish({ reason: "replaced", error });
        return;
      }
      if (code === RUNTIME_CLOSE.overloaded) {
        this.#log.error(
          { code, reason },
          "the appservice disconnected this runtime for sending more than it takes while leaving answers unread; reconnecting after a pause",
        );
        this.#attempt = Math.max(this.#attempt, OVERLOADED_BACKOFF_ATTEMPT);
      }
      if (refusedStatus !== null) this.#log.warn({ status: refusedStatus }, "the appservice refused the upgrade");
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    const base = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** this.#attempt);
    const delayMs = Math.round(base / 2 + Math.random() * (base / 2));
    this.#attempt = Math.min(this.#attempt + 1, 30);
    this.#log.info({ delayMs }, "reconnecting to the appservice");
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (!this.#stopping) this.#connect();
    }, delayMs);
  }

  #sendRequest(id: string, pending: PendingRequest, ws: WebSocket): void {
    pending.sentOn = ws;
    ws.send(pending.frame);
    if (pending.timer) clearTimeout(pending.timer);
    const timeoutMs = this.#options.requestTimeoutMs ?? 60_000;
    pending.timer = setTimeout(() => {
      this.#settle(id, {
        ok: false,
        error: { code: "timeout", message: `the appservice did not answer within ${Math.round(timeoutMs / 1000)} s` },
      });
    }, timeoutMs);
  }

  #settle(id: string, outcome: { ok: true; result: unknown } | { ok: false; error: Failure }): void {
    const pending = this.#requests.get(id);
    if (!pending) return;
    this.#requests.delete(id);
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

  async #runCommand(ws: WebSocket, frame: CommandFrame): Promise<void> {
    const log = this.#log.child({ command: frame.name, id: frame.id });
    let reply: RuntimeFrame;
    try {
      if (!this.#options.onCommand)
        throw new CommandError({ code: "unavailable", message: "this runtime takes no commands" });
      const result = commands[frame.name].result.parse(await this.#options.onCommand(frame));
      reply = { v: PROTOCOL_VERSION, type: "command_result", id: frame.id, ok: true, result };
    } catch (error) {
      const failure: Failure =
        error instanceof CommandError ? error.failure : { code: "internal", message: (error as Error).message };
      if (!(error instanceof CommandError)) log.error({ err: error }, "a command failed");
      reply = { v: PROTOCOL_VERSION, type: "command_result", id: frame.id, ok: false, error: failure };
    }
    this.#send(ws, reply);
  }

  #sendState(ws: WebSocket): void {
    const state = this.#options.state?.();
    if (state) this.#send(ws, { v: PROTOCOL_VERSION, type: "state", state });
  }

  #send(ws: WebSocket, frame: RuntimeFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  #enqueue(signal: SignalPayload): void {
    this.#queue = this.#queue.then(() => this.#take(signal));
  }

  async #take(signal: SignalPayload): Promise<void> {
    if (this.#stopping) return;
    const log = this.#log.child({ signalId: signal.id });
    try {
      await this.#options.onSignal(signal);
    } catch (error) {
      log.error({ err: error }, "could not take a signal over; it stays unacknowledged and is replayed on reconnect");
      this.#emit("signal-failed", { signalId: signal.id, error });
      return;
    }
    try {
      await this.#options.beforeAck?.(signal);
    } catch (error) {
      log.error({ err: error }, "the beforeAck hook threw");
    }
    const ws = this.#ready;
    const acked = !this.#stopping && ws !== null && ws.readyState === WebSocket.OPEN;
    if (acked) this.#send(ws, { v: PROTOCOL_VERSION, type: "ack", signalId: signal.id });
    else log.info("no open connection to acknowledge on; the signal will be replayed and acknowledged then");
    this.#emit("signal-taken", { signalId: signal.id, acked });
  }

  #finish(stopped: RuntimeStopped): Promise<void> {
    if (this.#stopping$) return this.#stopping$;
    this.#stopping = true;
    this.#stopping$ = (async () => {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
      for (const id of [...this.#requests.keys()]) {
        this.#settle(id, { ok: false, error: { code: "unavailable", message: "the runtime is stopping" } });
      }
      const ws = this.#ws;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
        if (ws.readyState === WebSocket.OPEN) {
          ws.close(1000, "runtime stopping");
          const timer = setTimeout(() => ws.terminate(), 2_000);
          await closed;
          clearTimeout(timer);
        } else {
          ws.terminate();
          await closed;
        }
      }
      await this.#queue;
      this.#log.info({ reason: stopped.reason }, "runtime client stopped");
      this.#resolveStopped(stopped);
      this.#emit("stopped", stopped);
    })();
    return this.#stopping$;
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
