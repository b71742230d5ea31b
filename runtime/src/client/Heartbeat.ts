import { randomBytes } from "node:crypto";
import { PROTOCOL_VERSION } from "@aachat/protocol";
import type { Logger } from "pino";
import { WebSocket } from "ws";

export interface HeartbeatTiming {
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Pings the appservice on one socket at every interval and ends the socket when a pong does
 * not come in time, so a connection that silently died is noticed and replaced.
 */
export class Heartbeat {
  #pingTimer: NodeJS.Timeout | null = null;
  #pongTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly timing: HeartbeatTiming,
    private readonly log: Logger,
  ) {}

  /** Once the socket is open. */
  start(): void {
    this.#pingTimer = setInterval(() => {
      if (this.ws.readyState !== WebSocket.OPEN || this.#pongTimer) return;
      this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "ping", id: `ping-${randomBytes(4).toString("hex")}` }));
      this.#pongTimer = setTimeout(() => {
        this.log.warn({ timeoutMs: this.timing.timeoutMs }, "no pong from the appservice; reconnecting");
        this.ws.terminate();
      }, this.timing.timeoutMs);
    }, this.timing.intervalMs);
  }

  pong(): void {
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
  }

  /** Once the socket is closed. */
  stop(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pingTimer = this.#pongTimer = null;
  }
}
