import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { UserId } from "./ids.ts";
import { MatrixApiError, type MatrixApi } from "./MatrixApi.ts";

export type EnqueueResult = "queued" | "duplicate";

/** The homeserver refused a queued message for good (forbidden, unknown room, too large). */
export class OutboundSendError extends Error {
  override readonly name = "OutboundSendError";
  constructor(readonly reason: string) {
    super(`the homeserver refused the message: ${reason}`);
  }
}

interface Waiter {
  resolve(eventId: string): void;
  reject(error: Error): void;
}

export interface OutboundItem {
  roomId: string;
  sender: UserId;
  type: string;
  content: Record<string, unknown>;
  /**
   * What makes this message unique, e.g. `revert-power-levels:$eventId`. The same key
   * always yields the same transaction id, so neither a retry nor a replayed event can
   * post it twice.
   */
  dedupeKey: string;
}

/**
 * Messages the appservice posts, persisted first and sent by one worker per room in
 * order. Survives restarts: unsent messages are sent when the queue starts.
 */
export class OutboundQueue {
  readonly #workers = new Map<string, Promise<void>>();
  /** Callers of send() waiting for their message, by transaction id. */
  readonly #waiters = new Map<string, Waiter[]>();
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly matrix: MatrixApi,
    private readonly log: Logger,
  ) {}

  static txnIdFor(dedupeKey: string): string {
    return `aachat-${createHash("sha256").update(dedupeKey).digest("base64url").slice(0, 32)}`;
  }

  async enqueue(item: OutboundItem): Promise<EnqueueResult> {
    const txnId = OutboundQueue.txnIdFor(item.dedupeKey);
    const inserted = await this.db.$executeRaw`
      INSERT INTO "OutboundMessage" ("txnId", "roomId", "senderId", "type", "content")
      VALUES (${txnId}, ${item.roomId}, ${item.sender}, ${item.type}, ${JSON.stringify(item.content)})
      ON CONFLICT DO NOTHING`;
    this.#kick(item.roomId);
    return inserted > 0 ? "queued" : "duplicate";
  }

  /**
   * Queues the message and resolves with its event id once the homeserver has it. A
   * message with the same key as an earlier one is not sent again: its event id is the
   * earlier message's. Rejects with OutboundSendError when the homeserver refused it.
   */
  async send(item: OutboundItem): Promise<string> {
    const txnId = OutboundQueue.txnIdFor(item.dedupeKey);
    const sent = new Promise<string>((resolve, reject) => {
      const waiters = this.#waiters.get(txnId) ?? [];
      waiters.push({ resolve, reject });
      this.#waiters.set(txnId, waiters);
    });
    try {
      if ((await this.enqueue(item)) === "duplicate") {
        const earlier = await this.db.outboundMessage.findUnique({ where: { txnId } });
        if (earlier?.sentAt) this.#settle(txnId, earlier.eventId, earlier.lastError);
      }
    } catch (error) {
      this.#settle(txnId, null, String(error));
      throw error;
    }
    return sent;
  }

  /** Starts workers for every room with unsent messages (after a restart). */
  async resume(): Promise<void> {
    const rooms = await this.db.outboundMessage.findMany({
      where: { sentAt: null },
      distinct: ["roomId"],
      select: { roomId: true },
    });
    for (const { roomId } of rooms) this.#kick(roomId);
  }

  /** Waits until every queued message of the room has been sent (or failed for good). */
  async flush(roomId: string): Promise<void> {
    await this.#workers.get(roomId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.values());
    for (const txnId of [...this.#waiters.keys()]) this.#settle(txnId, null, "the appservice is shutting down");
  }

  #settle(txnId: string, eventId: string | null, error: string | null): void {
    const waiters = this.#waiters.get(txnId);
    if (!waiters) return;
    this.#waiters.delete(txnId);
    for (const waiter of waiters) {
      if (eventId !== null && error === null) waiter.resolve(eventId);
      else waiter.reject(new OutboundSendError(error ?? "no event id"));
    }
  }

  #kick(roomId: string): void {
    if (this.#closed || this.#workers.has(roomId)) return;
    const worker = this.#drain(roomId).finally(() => {
      this.#workers.delete(roomId);
    });
    this.#workers.set(roomId, worker);
  }

  async #drain(roomId: string): Promise<void> {
    while (!this.#closed) {
      const next = await this.db.outboundMessage.findFirst({
        where: { roomId, sentAt: null },
        orderBy: { seq: "asc" },
      });
      if (!next) return;
      const log = this.log.child({ roomId, txnId: next.txnId, type: next.type });
      try {
        const eventId = await this.matrix.sendEvent(
          roomId,
          next.type,
          next.txnId,
          JSON.parse(next.content),
          next.senderId as UserId,
        );
        await this.db.outboundMessage.update({ where: { seq: next.seq }, data: { sentAt: new Date(), eventId } });
        this.#settle(next.txnId, eventId, null);
      } catch (error) {
        // The API client already waited out rate limits and retried transient failures:
        // what is left is permanent (forbidden, unknown room). Record it and move on.
        const reason = error instanceof MatrixApiError ? `${error.errcode}: ${error.message}` : String(error);
        log.error({ err: error }, "could not send message; giving up on it");
        await this.db.outboundMessage.update({
          where: { seq: next.seq },
          data: { sentAt: new Date(), lastError: reason },
        });
        this.#settle(next.txnId, null, reason);
      }
    }
  }
}
