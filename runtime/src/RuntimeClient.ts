import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { WebSocket, type RawData } from "ws";
import {
  PROTOCOL_VERSION,
  parseServerFrame,
  type AckFrame,
  type HelloFrame,
  type PingFrame,
  type SignalPayload,
} from "../../appservice/src/protocol/frames.ts";
import { ProcessedSignals } from "./ProcessedSignals.ts";

/** Close code: the agent's runtime token was rotated or revoked. */
export const CLOSE_TOKEN_REVOKED = 4001;
/** Close code: another connection of the same agent replaced this one. */
export const CLOSE_REPLACED = 4000;

/** The appservice refused the runtime token (HTTP 401 at upgrade, or close code 4001). */
export class RuntimeAuthError extends Error {
  override readonly name = "RuntimeAuthError";
  constructor(agentName?: string) {
    super(`the runtime token was refused; make a new one with \`aachat agent token rotate ${agentName ?? "NAME"}\``);
  }
}

/** A newer runtime connection of the same agent took over (close code 4000). */
export class RuntimeReplacedError extends Error {
  override readonly name = "RuntimeReplacedError";
  constructor(agentName?: string) {
    super(
      `another runtime of ${agentName ? `agent ${agentName}` : "this agent"} connected and took over; this one has stopped`,
    );
  }
}

export interface RuntimeStopped {
  /** "requested": stop() was called; otherwise the reason the runtime gave up on its own. */
  reason: "requested" | "auth" | "replaced";
  error: RuntimeAuthError | RuntimeReplacedError | null;
}

export interface RuntimeClientOptions {
  /** The appservice, as ws://host:port (or wss://). */
  serverUrl: string;
  /** The agent's runtime token. Never logged. */
  token: string;
  /** The runtime's state directory; holds processed-signals.log. */
  stateDir: string;
  logger: Logger;
  /** Processes one signal; resolving means it was taken over. Called at most once per signal id. */
  onSignal: (signal: SignalPayload) => Promise<void>;
  backoff?: { initialMs: number; maxMs: number };
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** Test seam: runs after a signal is recorded as processed, just before its ack is sent. */
  beforeAck?: (signal: SignalPayload) => void | Promise<void>;
}

export interface RuntimeClientEvents {
  connected: [hello: HelloFrame];
  disconnected: [close: { code: number; reason: string }];
  "signal-processed": [event: { signalId: string; replayed: boolean; acked: boolean }];
  "signal-failed": [event: { signalId: string; error: unknown }];
  stopped: [stopped: RuntimeStopped];
}

type EventName = keyof RuntimeClientEvents;

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
const DEFAULT_HEARTBEAT = { intervalMs: 25_000, timeoutMs: 10_000 };

/**
 * One agent's connection to the appservice: a single WebSocket that receives signals,
 * hands each to `onSignal` once (in arrival order, one at a time), records it durably and
 * acknowledges it. Reconnects with backoff on its own; stops for good when its token is
 * refused or a newer runtime of the agent takes over.
 */
export class RuntimeClient {
  readonly #options: RuntimeClientOptions;
  readonly #log: Logger;
  readonly #events = new EventEmitter();
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #heartbeat: { intervalMs: number; timeoutMs: number };
  #processed: ProcessedSignals | null = null;
  #ws: WebSocket | null = null;
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

  /** Loads the processed-signals record and connects. */
  async start(): Promise<void> {
    if (this.#started) throw new Error("the runtime client was already started");
    this.#started = true;
    const processed = await ProcessedSignals.open(this.#options.stateDir);
    if (this.#stopping) {
      await processed.close();
      return;
    }
    this.#processed = processed;
    this.#connect();
  }

  /** Closes the connection, lets a signal being processed finish, and resolves once stopped. */
  stop(): Promise<void> {
    return this.#finish({ reason: "requested", error: null });
  }

  #emit<E extends EventName>(event: E, ...args: RuntimeClientEvents[E]): void {
    try {
      this.#events.emit(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, "a runtime client event listener threw");
    }
  }

  #socketUrl(): string {
    return `${this.#options.serverUrl.replace(/\/+$/, "")}/runtime/v1/socket`;
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
        const ping: PingFrame = { v: PROTOCOL_VERSION, type: "ping", id: `ping-${randomBytes(4).toString("hex")}` };
        ws.send(JSON.stringify(ping));
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
        return;
      }
      const frame = parsed.frame;
      switch (frame.type) {
        case "hello":
          this.#agent = frame.agent;
          this.#attempt = 0;
          this.#log.info({ agent: frame.agent.name, userId: frame.agent.userId }, "connected to the appservice");
          this.#emit("connected", frame);
          return;
        case "signal":
          this.#enqueue(frame.signal);
          return;
        case "pong":
          if (pongTimer) clearTimeout(pongTimer);
          pongTimer = null;
          return;
        case "error":
          this.#log.warn(
            { code: frame.code, problem: frame.message, frameId: frame.frameId },
            "the appservice reported an error about a frame",
          );
          return;
      }
    });
    ws.on("close", (code: number, reasonBuffer: Buffer) => {
      stopHeartbeat();
      if (this.#ws === ws) this.#ws = null;
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

  #enqueue(signal: SignalPayload): void {
    this.#queue = this.#queue.then(() => this.#handle(signal));
  }

  async #handle(signal: SignalPayload): Promise<void> {
    const processed = this.#processed;
    if (this.#stopping || !processed) return;
    const log = this.#log.child({ signalId: signal.id });
    const replayed = processed.has(signal.id);
    if (!replayed) {
      try {
        await this.#options.onSignal(signal);
      } catch (error) {
        log.error({ err: error }, "processing a signal failed; it stays unacknowledged and is replayed on reconnect");
        this.#emit("signal-failed", { signalId: signal.id, error });
        return;
      }
      try {
        await processed.add(signal.id);
      } catch (error) {
        log.error({ err: error }, "could not record a processed signal; not acknowledging it");
        this.#emit("signal-failed", { signalId: signal.id, error });
        return;
      }
    } else {
      log.info("signal was already processed; acknowledging it again");
    }
    try {
      await this.#options.beforeAck?.(signal);
    } catch (error) {
      log.error({ err: error }, "the beforeAck hook threw");
    }
    const acked = this.#ack(signal.id);
    if (!acked) log.info("no open connection to acknowledge on; the signal will be replayed and acknowledged then");
    this.#emit("signal-processed", { signalId: signal.id, replayed, acked });
  }

  #ack(signalId: string): boolean {
    const ws = this.#ws;
    if (this.#stopping || !ws || ws.readyState !== WebSocket.OPEN) return false;
    const ack: AckFrame = { v: PROTOCOL_VERSION, type: "ack", signalId };
    ws.send(JSON.stringify(ack));
    return true;
  }

  #finish(stopped: RuntimeStopped): Promise<void> {
    if (this.#stopping$) return this.#stopping$;
    this.#stopping = true;
    this.#stopping$ = (async () => {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
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
      await this.#processed?.close();
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
