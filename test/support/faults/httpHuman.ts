import { randomBytes } from "node:crypto";

/** A room event as the client-server API returns it. */
export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
}

/** How long a human keeps retrying one request while the homeserver is down. */
const RETRY_FOR_MS = 120_000;

/**
 * A person at a plain Matrix client, over the client-server API with fetch. Unlike a
 * synced matrix-js-sdk client it holds no state that a homeserver restart could confuse:
 * each request is retried while the homeserver is unreachable or restarting, as a client's
 * send queue does, and reads come straight from /messages.
 */
export class HttpHuman {
  constructor(
    readonly homeserverUrl: string,
    readonly userId: string,
    readonly accessToken: string,
  ) {}

  static async login(homeserverUrl: string, user: string, password: string): Promise<HttpHuman> {
    const response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
    });
    if (!response.ok) throw new Error(`login as ${user} failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { user_id: string; access_token: string };
    return new HttpHuman(homeserverUrl, body.user_id, body.access_token);
  }

  /**
   * One client-server request, retried with the same URL (and so the same transaction id)
   * while the homeserver is down or answers 5xx; any 4xx is an error.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const response = await fetch(`${this.homeserverUrl}/_matrix/client${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.accessToken}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        if (response.ok) return JSON.parse(text) as T;
        problem = `${response.status} ${text}`;
        if (response.status < 500 && response.status !== 429) throw new Error(`${method} ${path}: ${problem}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith(`${method} ${path}:`)) throw error;
        problem = String(error);
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path} kept failing: ${problem}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }

  async send(roomId: string, content: Record<string, unknown>, type = "m.room.message"): Promise<string> {
    const txnId = randomBytes(8).toString("hex");
    const path = `/v3/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${txnId}`;
    return (await this.request<{ event_id: string }>("PUT", path, content)).event_id;
  }

  /** Reacts once: a retry whose first attempt got through (the homeserver then says so) is fine. */
  async react(roomId: string, eventId: string, key: string): Promise<void> {
    const content = { "m.relates_to": { rel_type: "m.annotation", event_id: eventId, key } };
    await this.send(roomId, content, "m.reaction").catch((error: unknown) => {
      if (!String(error).includes("M_DUPLICATE_ANNOTATION")) throw error;
    });
  }

  async join(roomId: string): Promise<void> {
    await this.request("POST", `/v3/join/${encodeURIComponent(roomId)}`, {});
  }

  /** Every message and reaction of the room, oldest first. */
  async timeline(roomId: string): Promise<RoomEvent[]> {
    const events: RoomEvent[] = [];
    const filter = encodeURIComponent(
      JSON.stringify({ types: ["m.room.message", "m.reaction"], lazy_load_members: true }),
    );
    let from: string | undefined;
    for (;;) {
      const page = await this.request<{ chunk: RoomEvent[]; end?: string }>(
        "GET",
        `/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=500&filter=${filter}${from ? `&from=${encodeURIComponent(from)}` : ""}`,
      );
      events.push(...page.chunk);
      if (!page.end || page.chunk.length === 0) break;
      from = page.end;
    }
    return events.reverse();
  }
}
