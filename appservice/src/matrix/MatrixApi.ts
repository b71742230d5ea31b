import type { Logger } from "pino";
import type { RoomId, UserId } from "./ids.ts";
import { RoomState, type StateEvent } from "./RoomState.ts";

/** An error answer from the homeserver, with its Matrix errcode. */
export class MatrixApiError extends Error {
  override readonly name = "MatrixApiError";
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${errcode}: ${message}`);
  }
}

export interface RequestOptions {
  /** Act as this user of our namespace (appservice `user_id` masquerading); the bot when absent. */
  asUser?: UserId;
  body?: unknown;
  query?: Record<string, string>;
  /**
   * Retry network failures, timeouts and 5xx (the default). Off where a repeat is not
   * safe: the caller gets the error and decides, knowing the request may have taken effect.
   */
  retryTransient?: boolean;
}

/** One event of a room's timeline, as /messages returns it. */
export interface TimelineEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
}

/**
 * Whether a failed request may still have taken effect: no answer came (network failure,
 * timeout, unreadable answer) or the homeserver failed on its side (5xx). A 4xx, a 429
 * included, means it refused.
 */
export function mayHaveTakenEffect(error: unknown): boolean {
  return !(error instanceof MatrixApiError) || error.status >= 500;
}

const MAX_RATE_LIMIT_WAITS = 20;
const MAX_TRANSIENT_RETRIES = 4;

/**
 * The client-server API as the appservice: the bot, or any agent puppet through
 * `?user_id=`. Honours M_LIMIT_EXCEEDED's retry_after_ms and retries transient failures
 * (network, 5xx); every request here must therefore be safe to repeat (state PUTs, joins,
 * invites), except those that turn the retries off (sendEvent).
 */
export class MatrixApi {
  constructor(
    readonly homeserverUrl: string,
    private readonly asToken: string,
    readonly botUserId: UserId,
    private readonly log: Logger,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.homeserverUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    if (options.asUser && options.asUser !== this.botUserId) url.searchParams.set("user_id", options.asUser);
    const maxTransientRetries = (options.retryTransient ?? true) ? MAX_TRANSIENT_RETRIES : 0;
    let rateLimitWaits = 0;
    let transientRetries = 0;
    for (;;) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.asToken}`, "content-type": "application/json" },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (error) {
        if (transientRetries++ >= maxTransientRetries) throw error;
        await delay(250 * 2 ** transientRetries);
        continue;
      }
      const text = await response.text();
      const answer = parseJson(text);
      const body = Array.isArray(answer) ? undefined : answer;
      if (response.ok) {
        // Every answer is a JSON object, but for a room's whole state (an array).
        if (answer === undefined) throw new Error(`${method} ${url.pathname}: the answer is not JSON`);
        return answer as T;
      }
      const errcode = typeof body?.errcode === "string" ? body.errcode : "M_UNKNOWN";
      if ((response.status === 429 || errcode === "M_LIMIT_EXCEEDED") && rateLimitWaits++ < MAX_RATE_LIMIT_WAITS) {
        const wait = Number(body?.retry_after_ms ?? response.headers.get("retry-after") ?? 1000);
        this.log.warn({ path, wait }, "rate limited by the homeserver; waiting as asked");
        await delay(Number.isFinite(wait) ? wait : 1000);
        continue;
      }
      if (response.status >= 500 && transientRetries++ < maxTransientRetries) {
        await delay(250 * 2 ** transientRetries);
        continue;
      }
      throw new MatrixApiError(
        response.status,
        errcode,
        typeof body?.error === "string" ? body.error : "",
        method,
        url.pathname,
      );
    }
  }

  // ---- rooms ----

  async createRoom(options: Record<string, unknown>, asUser?: UserId): Promise<RoomId> {
    const { room_id } = await this.request<{ room_id: RoomId }>("POST", "/_matrix/client/v3/createRoom", {
      body: options,
      asUser,
    });
    return room_id;
  }

  async sendState(roomId: string, type: string, stateKey: string, content: unknown, asUser?: UserId): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`;
    const { event_id } = await this.request<{ event_id: string }>("PUT", path, { body: content, asUser });
    return event_id;
  }

  async getState<T = Record<string, unknown>>(roomId: string, type: string, stateKey = ""): Promise<T | undefined> {
    try {
      return await this.request<T>(
        "GET",
        `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`,
      );
    } catch (error) {
      if (error instanceof MatrixApiError && error.errcode === "M_NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** The room's whole current state, as the bot sees it. */
  async roomState(roomId: string): Promise<RoomState> {
    return new RoomState(await this.request<StateEvent[]>("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`));
  }

  /**
   * Sends an event with a caller-chosen transaction id. Rate limits are waited out (the
   * homeserver refused, nothing was posted), but a failure that mayHaveTakenEffect is
   * thrown, not retried: Synapse remembers an appservice's transaction ids only in memory,
   * so after its restart the same id posts the event again. OutboundQueue looks first.
   */
  async sendEvent(roomId: string, type: string, txnId: string, content: unknown, asUser?: UserId): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${enc(txnId)}`;
    const { event_id } = await this.request<{ event_id: string }>("PUT", path, {
      body: content,
      asUser,
      retryTransient: false,
    });
    return event_id;
  }

  /** One page of the room's timeline from `from` (the newest end when absent), as `asUser` sees it. */
  async messages(
    roomId: string,
    page: { dir: "b" | "f"; from?: string; limit: number; filter?: Record<string, unknown> },
    asUser?: UserId,
  ): Promise<{ chunk: TimelineEvent[]; end?: string }> {
    const query: Record<string, string> = { dir: page.dir, limit: String(page.limit) };
    if (page.from !== undefined) query.from = page.from;
    if (page.filter !== undefined) query.filter = JSON.stringify(page.filter);
    return this.request("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages`, { query, asUser });
  }

  async invite(roomId: string, userId: string, asUser?: UserId): Promise<void> {
    try {
      await this.request("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
        body: { user_id: userId },
        asUser,
      });
    } catch (error) {
      // Already in the room (or already invited): that is what we wanted.
      if (
        error instanceof MatrixApiError &&
        error.errcode === "M_FORBIDDEN" &&
        /already in the room|is already joined|already invited/i.test(error.message)
      )
        return;
      throw error;
    }
  }

  async join(roomId: string, asUser?: UserId): Promise<void> {
    await this.request("POST", `/_matrix/client/v3/join/${enc(roomId)}`, { body: {}, asUser });
  }

  async leave(roomId: string, asUser?: UserId): Promise<void> {
    await this.request("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, { body: {}, asUser });
  }

  async kick(roomId: string, userId: string, reason: string): Promise<void> {
    try {
      await this.request("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, { body: { user_id: userId, reason } });
    } catch (error) {
      if (
        error instanceof MatrixApiError &&
        error.errcode === "M_FORBIDDEN" &&
        /not in the room|not joined/i.test(error.message)
      )
        return;
      throw error;
    }
  }

  /** Current members and their membership, as the bot sees the room. */
  async members(roomId: string): Promise<Map<string, string>> {
    const { chunk } = await this.request<{ chunk: { state_key: string; content: { membership: string } }[] }>(
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/members`,
    );
    return new Map(chunk.map((event) => [event.state_key, event.content.membership]));
  }

  async joinedRooms(asUser?: UserId): Promise<Set<string>> {
    const { joined_rooms } = await this.request<{ joined_rooms: string[] }>("GET", "/_matrix/client/v3/joined_rooms", {
      asUser,
    });
    return new Set(joined_rooms);
  }
}

/** A JSON object or array; undefined for anything else. */
function parseJson(text: string): Record<string, unknown> | unknown[] | undefined {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown> | unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
