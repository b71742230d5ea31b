import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { matrixEventSchema, type MatrixEvent } from "../matrix/events.ts";
import type { InboxMetrics } from "../metrics/AppserviceMetrics.ts";
import type { EventHandler } from "./EventHandler.ts";

/** A failing event is tried this many times, then set aside with its error recorded. */
export const MAX_ATTEMPTS = 3;
const BATCH_SIZE = 200;
const RETRY_BASE_MS = 500;

/**
 * The durable inbox: every transaction is written here before the homeserver gets its
 * 200, then processed from the database in arrival order. Processed events are marked,
 * so neither a retried transaction nor a restart handles an event twice.
 */
export class Inbox {
  #draining: Promise<void> | undefined;
  #wakeAgain = false;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly handlers: readonly EventHandler[],
    private readonly log: Logger,
    private readonly metrics?: InboxMetrics,
  ) {}

  /**
   * Stores the events a transaction carries and resolves with how many were new.
   *
   * Events are deduplicated by their id, never by the transaction's: a transaction id is
   * only the homeserver's retry key, and Synapse numbers its transactions from 1 again
   * after a restart with an empty queue, so a known id may well carry new events. Each
   * statement is atomic on its own: after a crash between the two, the retry stores the
   * rest and finds the events already there.
   */
  async store(txnId: string, events: readonly MatrixEvent[]): Promise<number> {
    let stored = 0;
    if (events.length > 0) {
      const rows = events.map(
        (event) =>
          Prisma.sql`(${event.event_id}, ${txnId}, ${event.room_id}, ${event.type}, ${event.sender}, ${JSON.stringify(event)})`,
      );
      stored = await this.db.$executeRaw`
        INSERT INTO "InboundEvent" ("eventId", "txnId", "roomId", "type", "sender", "event")
        VALUES ${Prisma.join(rows)}
        ON CONFLICT DO NOTHING`;
    }
    await this.db.$executeRaw`
      INSERT INTO "InboundTransaction" ("txnId", "eventCount") VALUES (${txnId}, ${events.length})
      ON CONFLICT DO NOTHING`;
    return stored;
  }

  /** Asks for a processing pass; passes never overlap, and a wake during one causes another. */
  wake(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#draining) {
      this.#wakeAgain = true;
      return this.#draining;
    }
    this.#draining = this.#drainUntilIdle().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  /** Stops taking new passes and waits for the current one to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
  }

  async #drainUntilIdle(): Promise<void> {
    do {
      this.#wakeAgain = false;
      try {
        await this.#drainOnce();
      } catch (error) {
        // The events stay stored and unprocessed: a later pass takes them up.
        this.log.warn({ err: error }, "could not process the inbox (database unavailable?); trying again");
        this.#scheduleRetry(1);
        return;
      }
    } while (this.#wakeAgain && !this.#closed);
  }

  async #drainOnce(): Promise<void> {
    let afterSeq = 0;
    while (!this.#closed) {
      const batch = await this.db.inboundEvent.findMany({
        where: { processedAt: null, seq: { gt: afterSeq } },
        orderBy: { seq: "asc" },
        take: BATCH_SIZE,
        select: { seq: true, event: true, attempts: true },
      });
      if (batch.length === 0) return;
      const done: number[] = [];
      for (const row of batch) {
        if (this.#closed) break;
        afterSeq = row.seq;
        if (await this.#process(row)) done.push(row.seq);
        // Handling never gives the event loop back on its own (the SQLite driver answers
        // synchronously), so let waiting requests, such as the next transaction, in.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Marked done a batch at a time: after a crash, a handled event may be handled once
      // more, which handlers are written to tolerate.
      if (done.length > 0) {
        await this.db.inboundEvent.updateMany({ where: { seq: { in: done } }, data: { processedAt: new Date() } });
      }
    }
  }

  /** Runs every handler on one event; false when it failed (and is recorded for a retry). */
  async #process(row: { seq: number; event: string; attempts: number }): Promise<boolean> {
    const event = matrixEventSchema.parse(JSON.parse(row.event));
    const log = this.log.child({ eventId: event.event_id, roomId: event.room_id, type: event.type });
    try {
      for (const handler of this.handlers) {
        await handler.handle(event, log);
      }
      this.metrics?.eventHandled(event);
      return true;
    } catch (error) {
      // Not the event's fault: the pass ends and the event is handled again later.
      if (isDatabaseUnavailable(error)) throw error;
      const attempts = row.attempts + 1;
      const givingUp = attempts >= MAX_ATTEMPTS;
      log.error({ err: error, attempts }, givingUp ? "event failed; giving up on it" : "event failed; will retry");
      await this.db.inboundEvent.update({
        where: { seq: row.seq },
        data: { attempts, lastError: String(error), processedAt: givingUp ? new Date() : null },
      });
      if (!givingUp) this.#scheduleRetry(attempts);
      return false;
    }
  }

  #scheduleRetry(attempts: number): void {
    setTimeout(() => void this.wake(), RETRY_BASE_MS * 2 ** attempts).unref();
  }
}
