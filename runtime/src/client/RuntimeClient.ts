import { EventEmitter } from "node:events";
import {
  PROTOCOL_VERSION,
  RUNTIME_CLOSE,
  parseServerFrame,
  type CommandFrame,
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
import { commandReply } from "./commandReply.ts";
import { RequestError, RuntimeAuthError, RuntimeReplacedError } from "./errors.ts";
import { Heartbeat, type HeartbeatTiming } from "./Heartbeat.ts";
import { PendingRequests } from "./PendingRequests.ts";
import { SignalQueue } from "./SignalQueue.ts";

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
  heartbeat?: HeartbeatTiming;
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

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const DEFAULT_HEARTBEAT: HeartbeatTiming = { intervalMs: 25_000, timeoutMs: 10_000 };
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
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
  readonly #heartbeat: HeartbeatTiming;
  readonly #requests: PendingRequests;
  readonly #signals: SignalQueue;
  #ws: WebSocket | null = null;
  /** The socket that has said hello: requests, acks and state go on it. */
  #ready: WebSocket | null = null;
  #agent: HelloFrame["agent"] | null = null;
  #attempt = 0;
  #started = false;
  #stopping = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #stopping$: Promise<void> | null = null;
  #resolveStopped: (stopped: RuntimeStopped) => void = () => undefined;
  /** Resolves once the client has stopped, with why; never rejects. */
  readonly stopped: Promise<RuntimeStopped>;

  constructor(options: RuntimeClientOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: "runtime-client" });
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.#requests = new PendingRequests(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.#signals = new SignalQueue({
      take: options.onSignal,
      beforeAck: options.beforeAck,
      ack: (signalId) => {
        const ws = this.#ready;
        if (ws === null || ws.readyState !== WebSocket.OPEN) return false;
        this.#send(ws, { v: PROTOCOL_VERSION, type: "ack", signalId });
        return true;
      },
      stopping: () => this.#stopping,
      taken: (event) => this.#emit("signal-taken", event),
      failed: (event) => this.#emit("signal-failed", event),
      log: this.#log,
    });
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
    return this.#requests.add(method, params, this.#ready);
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
    const heartbeat = new Heartbeat(ws, this.#heartbeat, this.#log);
    let refusedStatus: number | null = null;
    let opened = false;

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
      heartbeat.start();
    });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.#log.warn("ignoring a binary frame from the appservice");
        return;
      }
      this.#receive(ws, heartbeat, rawToString(data));
    });
    ws.on("close", (code: number, reasonBuffer: Buffer) => {
      heartbeat.stop();
      if (this.#ws === ws) this.#ws = null;
      if (this.#ready === ws) this.#ready = null;
      this.#requests.pause();
      const reason = reasonBuffer.toString();
      if (opened) {
        this.#log.info({ code, reason }, "disconnected from the appservice");
        this.#emit("disconnected", { code, reason });
      }
      if (!this.#stopping) this.#closed(code, reason, refusedStatus);
    });
  }

  #receive(ws: WebSocket, heartbeat: Heartbeat, text: string): void {
    const parsed = parseServerFrame(text);
    if (!parsed.ok) {
      this.#log.warn({ code: parsed.error.code, problem: parsed.error.message }, "ignoring an invalid server frame");
      const { frameId } = parsed.error;
      if (frameId && this.#requests.has(frameId))
        this.#requests.settle(frameId, { ok: false, error: { code: "invalid", message: parsed.error.message } });
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
        this.#requests.resend(ws);
        this.#emit("connected", frame);
        return;
      case "signal":
        this.#signals.push(frame.signal);
        return;
      case "pong":
        heartbeat.pong();
        return;
      case "response":
        this.#requests.settle(
          frame.id,
          frame.ok ? { ok: true, result: frame.result } : { ok: false, error: frame.error },
        );
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
          this.#requests.settle(frame.frameId, { ok: false, error: { code: "invalid", message: frame.message } });
        }
        return;
      }
    }
  }

  /** The socket closed while the client runs: stop for good, or reconnect. */
  #closed(code: number, reason: string, refusedStatus: number | null): void {
    const agentName = this.#agent?.name;
    if (refusedStatus === 401 || code === RUNTIME_CLOSE.credentialsChanged) {
      const error = new RuntimeAuthError(agentName);
      this.#log.error({ status: refusedStatus, code, reason }, error.message);
      void this.#finish({ reason: "auth", error });
      return;
    }
    if (code === RUNTIME_CLOSE.replaced) {
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

  async #runCommand(ws: WebSocket, frame: CommandFrame): Promise<void> {
    this.#send(ws, await commandReply(frame, this.#options.onCommand, this.#log));
  }

  #sendState(ws: WebSocket): void {
    const state = this.#options.state?.();
    if (state) this.#send(ws, { v: PROTOCOL_VERSION, type: "state", state });
  }

  #send(ws: WebSocket, frame: RuntimeFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  #finish(stopped: RuntimeStopped): Promise<void> {
    if (this.#stopping$) return this.#stopping$;
    this.#stopping = true;
    this.#stopping$ = (async () => {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
      this.#requests.failAll({ code: "unavailable", message: "the runtime is stopping" });
      const ws = this.#ws;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
        if (ws.readyState === WebSocket.OPEN) {
          ws.close(RUNTIME_CLOSE.stopping, "runtime stopping");
          const timer = setTimeout(() => ws.terminate(), 2_000);
          await closed;
          clearTimeout(timer);
        } else {
          ws.terminate();
          await closed;
        }
      }
      await this.#signals.drained();
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
