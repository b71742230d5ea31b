import type { SessionStatus } from "@aachat/protocol";

/**
 * A session's status, and why it failed. It moves
 *
 *     starting ──▶ ready ◀──▶ busy          (a turn runs while busy)
 *        │  ▲        │          │
 *        │  └────────┴──────────┘           (the agent process died: started again)
 *        ▼
 *     failed                                (could not start, or recovery gave up)
 *
 * and from any of them to stopping, for good. Each change is reported.
 */
export class SessionLifecycle {
  #status: SessionStatus = "starting";
  #error: string | null = null;
  #stopping = false;

  constructor(private readonly changed: () => void) {}

  get status(): SessionStatus {
    return this.#status;
  }

  /** Why the session failed, while it is failed. */
  get error(): string | null {
    return this.#error;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  starting(): void {
    this.#set("starting");
  }

  /** The agent process is up: whatever failed before is over. */
  ready(): void {
    this.#error = null;
    this.#set("ready");
  }

  busy(): void {
    this.#set("busy");
  }

  /** A turn ended: ready again, unless its status moved on meanwhile (false then, nothing reported). */
  idle(): boolean {
    if (this.#status !== "busy") return false;
    this.#set("ready");
    return true;
  }

  failed(error: string): void {
    this.#error = error;
    this.#set("failed");
  }

  /** Begins stopping; false when it already had. */
  stop(): boolean {
    if (this.#stopping) return false;
    this.#stopping = true;
    this.#set("stopping");
    return true;
  }

  /**
   * Whether queued work may be taken up now: not while starting or stopping, nor while the
   * agent process is down (its recovery is about to begin). A failed session takes it up to
   * answer that it failed.
   */
  takesWork(agentRunning: boolean): boolean {
    if (this.#stopping || this.#status === "starting") return false;
    return this.#status === "failed" || agentRunning;
  }

  #set(status: SessionStatus): void {
    this.#status = status;
    this.changed();
  }
}
