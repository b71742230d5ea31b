import { DEFAULT_WAIT_MS } from "./waits.ts";

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A raw client of GET /api/v1/events: parses the stream and queues its events until awaited. */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** Settles when the server ends the stream (or the client closes it). */
  readonly ended: Promise<void>;
  readonly #abort = new AbortController();
  #wake: () => void = () => undefined;
  #buffer = "";

  private constructor(readonly response: Response) {
    this.ended = this.#read().catch(() => undefined);
  }

  static async open(url: string, token: string): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(`${url}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    const client = new SseClient(response);
    client.#abort.signal.addEventListener("abort", () => abort.abort());
    await client.next((event) => event.event === "ready");
    return client;
  }

  async #read(): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.#buffer += value;
      let end: number;
      while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const lines = block.split("\n").filter((line) => !line.startsWith(":"));
        if (lines.length === 0) continue;
        const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
        this.events.push({ event: field("event") ?? "message", data: JSON.parse(field("data") ?? "{}") });
        this.#wake();
      }
    }
  }

  /** Waits for (and removes) the first event that matches. */
  async next(match: (event: SseEvent) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex(match);
      if (index >= 0) return this.events.splice(index, 1)[0]!;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
