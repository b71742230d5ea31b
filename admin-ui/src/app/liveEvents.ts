import type { RuntimeState } from "@aachat/protocol";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";

/** How the live event stream is doing, for the indicator in the top bar. */
export type LiveState = "connecting" | "live" | "reconnecting";

export interface AgentRuntimeDetail {
  agent: string;
  online: boolean;
  connectedAt: string | null;
  /** The runtime's version and sessions, as it last reported them. */
  state: RuntimeState | null;
}

export interface ChangedDetail {
  scope: "teams" | "agents";
}

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15_000;

/**
 * The API's live event stream (GET /api/v1/events), read with fetch because EventSource
 * can't send an Authorization header. Dispatches `state`, `changed` and `agent-runtime`
 * CustomEvents; reconnects with backoff when the stream drops, and then announces a
 * `changed` for every scope, since events may have been missed meanwhile.
 */
export class LiveEvents extends EventTarget {
  #state: LiveState = "connecting";
  #abort: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delayMs = MIN_DELAY_MS;
  #wasLive = false;

  constructor(
    private readonly serverUrl: string,
    private readonly accessToken: string,
  ) {
    super();
  }

  get state(): LiveState {
    return this.#state;
  }

  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    void this.#run(this.#abort.signal);
  }

  stop(): void {
    this.#abort?.abort();
    this.#abort = null;
    clearTimeout(this.#timer);
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#read(signal);
      } catch {
        // A network error or a refused request: try again after the backoff.
      }
      if (signal.aborted) return;
      this.#setState("reconnecting");
      await new Promise<void>((resolve) => (this.#timer = setTimeout(resolve, this.#delayMs)));
      this.#delayMs = Math.min(this.#delayMs * 2, MAX_DELAY_MS);
    }
  }

  async #read(signal: AbortSignal): Promise<void> {
    const response = await fetch(`${this.serverUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${this.accessToken}`, accept: "text/event-stream" },
      signal,
      cache: "no-store",
    });
    if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`);
    const reader = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.#handle(value);
    }
  }

  #handle(message: EventSourceMessage): void {
    const event = message.event ?? "message";
    let detail: unknown;
    try {
      detail = JSON.parse(message.data || "{}");
    } catch {
      return;
    }
    switch (event) {
      case "ready":
        this.#delayMs = MIN_DELAY_MS;
        this.#setState("live");
        if (this.#wasLive) {
          this.#emit("changed", { scope: "teams" });
          this.#emit("changed", { scope: "agents" });
        }
        this.#wasLive = true;
        return;
      case "changed":
      case "agent-runtime":
        this.#emit(event, detail);
        return;
    }
  }

  #setState(state: LiveState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit("state", state);
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** Listens to `type` on `live` (when there is one); returns what removes the listener. */
export function onLive<T>(live: LiveEvents | undefined, type: string, listener: (detail: T) => void): () => void {
  if (!live) return () => undefined;
  const handler = (event: Event) => listener((event as CustomEvent<T>).detail);
  live.addEventListener(type, handler);
  return () => live.removeEventListener(type, handler);
}
