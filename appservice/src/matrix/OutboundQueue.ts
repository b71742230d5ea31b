import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { OutboundMessage } from "../generated/prisma/client.ts";
import { findSentEvent, OUTBOUND_TXN_KEY } from "./findSentEvent.ts";
import type { UserId } from "./ids.ts";
import { MatrixApiError, mayHaveTakenEffect, type MatrixApi } from "./MatrixApi.ts";

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

/** How often a message whose sends all ended with no answer is tried before giving up on it (about 2 minutes). */
export const MAX_UNANSWERED_ATTEMPTS = 12;
/** How long a room's queue waits before trying its database again. */
const DATABASE_RETRY_MS = 1_000;

/** The wait before the next try after `failures` sends in a row ended with no answer. */
export function retryDelayMs(failures: number): number {
  return Math.min(500 * 2 ** Math.max(failures - 1, 0), 15_000);
}

type Delivery =
  | { kind: "posted"; eventId: string; found: boolean }
  | { kind: "refused"; reason: string }
  | { kind: "unanswered"; error: unknown };

export interface OutboundItem {
  roomId: string;
  sender: UserId;
  type: string;
  content: Record<string, unknown>;
  /**
   * What makes this message unique, e.g. `revert-power-levels:$eventId`. The same key
   * always yields the same transaction id, so neither a retry nor a replayed event can
   * post it twice. The event carries that id as content["org.aachat.txn"].
   */
  dedupeKey: string;
  /** For an edit: the event it replaces. */
  replaces?: string;
}

/**
 * Messages the appservice posts, persisted first and sent by one worker per room in
 * order. Survives restarts: unsent messages are sent when the queue starts.
 *
 * Every send is recorded (attemptedAt) before the request. A message attempted without a
 * recorded answer (the process died, or no answer came: network, timeout, 5xx) is first
 * looked for in the room by the transaction id in its content, and sent only if it is not
 * there: Synapse forgets appservice transaction ids when it restarts, so the id in the
 * request path alone would not stop a second post.
 */
export class OutboundQueue {
  readonly #workers = new Map<string, Promise<void>>();
  /** Callers of send() waiting for their message, by transaction id. */
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #stopping = new AbortController();
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly matrix: MatrixApi,
    private readonly log: Logger,
    /** Counts each try at a message (for the metrics). */
    private readonly countSend: (outcome: "posted" | "found" | "refused" | "unanswered") => void = () => undefined,
  ) {}

  static txnIdFor(dedupeKey: string): string {
    return `aachat-${createHash("sha256").update(dedupeKey).digest("base64url").slice(0, 32)}`;
  }

  async enqueue(item: OutboundItem): Promise<EnqueueResult> {
    const txnId = OutboundQueue.txnIdFor(item.dedupeKey);
    const inserted = await this.db.$executeRaw`
      INSERT INTO "OutboundMessage" ("txnId", "roomId", "senderId", "type", "content", "replaces")
      VALUES (${txnId}, ${item.roomId}, ${item.sender}, ${item.type}, ${JSON.stringify(item.content)}, ${item.replaces ?? null})
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
    const sent = this.#waitFor(txnId);
    try {
      if ((await this.enqueue(item)) === "duplicate") await this.#settleIfSent(txnId);
    } catch (error) {
      // Other callers waiting for the same message hear of the failure; this one throws it.
      this.#settle(txnId, null, String(error));
      sent.catch(() => undefined);
      throw error;
    }
    return sent;
  }

  /** Resolves with the event id of a message already queued, once the homeserver has it. */
  async whenSent(txnId: string): Promise<string> {
    const sent = this.#waitFor(txnId);
    try {
      await this.#settleIfSent(txnId);
    } catch (error) {
      // Other callers waiting for the same message hear of the failure; this one throws it.
      this.#settle(txnId, null, String(error));
      sent.catch(() => undefined);
      throw error;
    }
    return sent;
  }

  #waitFor(txnId: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const waiters = this.#waiters.get(txnId) ?? [];
      waiters.push({ resolve, reject });
      this.#waiters.set(txnId, waiters);
    });
  }

  async #settleIfSent(txnId: string): Promise<void> {
    const earlier = await this.db.outboundMessage.findUnique({ where: { txnId } });
    if (earlier?.sentAt) this.#settle(txnId, earlier.eventId, earlier.lastError);
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
    this.#stopping.abort();
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
    const worker = this.#drain(roomId)
      .then(
        () => false,
        // The database went away (e.g. PostgreSQL restarting): the messages stay queued in it.
        async (error: unknown) => {
          this.log.warn({ err: error, roomId }, "the outbound queue could not use its database; trying again");
          await sleep(DATABASE_RETRY_MS, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
          return true;
        },
      )
      .then((again) => {
        this.#workers.delete(roomId);
        if (again) this.#kick(roomId);
      });
    this.#workers.set(roomId, worker);
  }

  async #drain(roomId: string): Promise<void> {
    let failing: { seq: number; failures: number } | undefined;
    while (!this.#closed) {
      const next = await this.db.outboundMessage.findFirst({
        where: { roomId, sentAt: null },
        orderBy: { seq: "asc" },
      });
      if (!next) return;
      const log = this.log.child({ roomId, txnId: next.txnId, type: next.type });
      const delivery = await this.#deliver(next);
      this.countSend(delivery.kind === "posted" && delivery.found ? "found" : delivery.kind);
      if (delivery.kind === "posted") {
        if (delivery.found)
          log.info({ eventId: delivery.eventId }, "found the message already posted; not sending it again");
        await this.db.outboundMessage.update({
          where: { seq: next.seq },
          data: { sentAt: new Date(), eventId: delivery.eventId },
        });
        this.#settle(next.txnId, delivery.eventId, null);
        continue;
      }
      if (delivery.kind === "unanswered") {
        const failures = failing?.seq === next.seq ? failing.failures + 1 : 1;
        failing = { seq: next.seq, failures };
        if (failures < MAX_UNANSWERED_ATTEMPTS) {
          const retryInMs = retryDelayMs(failures);
          log.warn(
            { err: delivery.error, retryInMs },
            "no answer from the homeserver; will look for the message before sending it again",
          );
          await sleep(retryInMs, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
          continue;
        }
      }
      // Refused for good (forbidden, unknown room, too large), or never answered after
      // every try (then it may or may not be in the room): record it and move on.
      const reason =
        delivery.kind === "refused"
          ? delivery.reason
          : `no answer from the homeserver after ${MAX_UNANSWERED_ATTEMPTS} tries (the message may or may not have been posted): ${String(delivery.error)}`;
      log.error({ reason }, "could not send message; giving up on it");
      await this.db.outboundMessage.update({
        where: { seq: next.seq },
        data: { sentAt: new Date(), lastError: reason },
      });
      this.#settle(next.txnId, null, reason);
    }
  }

  /** One try at getting the message into the room: found there from an earlier try, or sent now. */
  async #deliver(message: OutboundMessage): Promise<Delivery> {
    const sender = message.senderId as UserId;
    try {
      if (message.attemptedAt !== null) {
        const query = { roomId: message.roomId, sender, type: message.type, txnId: message.txnId };
        const found = await findSentEvent(this.matrix, query);
        if (found !== null) return { kind: "posted", eventId: found, found: true };
      }
      await this.db.outboundMessage.update({ where: { seq: message.seq }, data: { attemptedAt: new Date() } });
      const content = {
        ...(JSON.parse(message.content) as Record<string, unknown>),
        [OUTBOUND_TXN_KEY]: message.txnId,
      };
      const eventId = await this.matrix.sendEvent(message.roomId, message.type, message.txnId, content, sender);
      return { kind: "posted", eventId, found: false };
    } catch (error) {
      if (mayHaveTakenEffect(error)) return { kind: "unanswered", error };
      const reason = error instanceof MatrixApiError ? `${error.errcode}: ${error.message}` : String(error);
      return { kind: "refused", reason };
    }
  }
}
