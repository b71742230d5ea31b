import type { Logger } from "pino";
import type { RoomId, UserId } from "./ids.ts";

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
}

const MAX_RATE_LIMIT_WAITS = 20;
const MAX_TRANSIENT_RETRIES = 4;

/**
 * The client-server API as the appservice: the bot, or any agent puppet through
 * `?user_id=`. Honours M_LIMIT_EXCEEDED's retry_after_ms and retries transient failures
 * (network, 5xx); every request here must therefore be safe to repeat (PUT with a txn
 * id, state PUTs, joins, invites).
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
        if (transientRetries++ >= MAX_TRANSIENT_RETRIES) throw error;
        await delay(250 * 2 ** transientRetries);
        continue;
      }
      const text = await response.text();
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (response.ok) return body as T;
      const errcode = typeof body.errcode === "string" ? body.errcode : "M_UNKNOWN";
      if ((response.status === 429 || errcode === "M_LIMIT_EXCEEDED") && rateLimitWaits++ < MAX_RATE_LIMIT_WAITS) {
        const wait = Number(body.retry_after_ms ?? response.headers.get("retry-after") ?? 1000);
        this.log.warn({ path, wait }, "rate limited by the homeserver; waiting as asked");
        await delay(Number.isFinite(wait) ? wait : 1000);
        continue;
      }
      if (response.status >= 500 && transientRetries++ < MAX_TRANSIENT_RETRIES) {
        await delay(250 * 2 ** transientRetries);
        continue;
      }
      throw new MatrixApiError(response.status, errcode, String(body.error ?? ""), method, url.pathname);
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

  /** Sends an event with a caller-chosen transaction id: repeating the call never posts twice. */
  async sendEvent(roomId: string, type: string, txnId: string, content: unknown, asUser?: UserId): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${enc(txnId)}`;
    const { event_id } = await this.request<{ event_id: string }>("PUT", path, { body: content, asUser });
    return event_id;
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

function enc(value: string): string {
  return encodeURIComponent(value);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
