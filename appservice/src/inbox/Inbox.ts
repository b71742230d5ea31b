import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { matrixEventSchema, type MatrixEvent } from "../matrix/events.ts";
import type { InboxMetrics } from "../metrics/AppserviceMetrics.ts";
import type { EventHandler } from "./EventHandler.ts";
import { lazyChild } from "./lazyLogger.ts";
import { groupInLanes, runLanes, TimeSlice } from "./roomLanes.ts";

/** A failing event is tried this many times, then set aside with its error recorded. */
export const MAX_ATTEMPTS = 3;
/**
 * Events read and marked processed at once. Per batch, the room log is written in a few
 * statements and the batch marked in one: each is a commit synced to disk, which is what
 * bounds the rate. A crash re-handles at most one batch.
 */
const BATCH_SIZE = 1000;
/** Rooms handled at the same time. */
const ROOM_LANES = 8;
/** Handling lets waiting requests in at least this often (ms). */
const SLICE_MS = 5;
const RETRY_BASE_MS = 500;

/**
 * The durable inbox: every transaction is written here before the homeserver gets its
 * 200, then processed from the database, each room's events in arrival order. Processed
 * events are marked, so neither a retried transaction nor a restart handles an event twice.
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
      const rows = await this.db.inboundEvent.findMany({
        where: { processedAt: null, seq: { gt: afterSeq } },
        orderBy: { seq: "asc" },
        take: BATCH_SIZE,
        select: { seq: true, roomId: true, event: true, attempts: true },
      });
      if (rows.length === 0) return;
      afterSeq = rows[rows.length - 1]!.seq;
      const pending = rows.map(readPending);
      const perEvent = await this.#handleBatch(pending);
      const done: number[] = [];
      const slice = new TimeSlice(SLICE_MS);
      // Rooms at once (a slow Matrix call in one does not hold up the others), each
      // room's events one after another in arrival order.
      await runLanes(
        groupInLanes(pending, (item) => item.roomId),
        ROOM_LANES,
        async (item) => {
          if (this.#closed) return;
          if (await this.#process(item, perEvent)) done.push(item.seq);
          await slice.pauseIfDue();
        },
      );
      // Marked done a batch at a time, after its handling: after a crash, a handled event
      // may be handled once more, which handlers are written to tolerate.
      if (done.length > 0) {
        await this.db.inboundEvent.updateMany({ where: { seq: { in: done } }, data: { processedAt: new Date() } });
      }
    }
  }

  /** Gives the batch to the handlers that take batches; returns the handlers still to call per event. */
  async #handleBatch(pending: readonly Pending[]): Promise<EventHandler[]> {
    const events = pending.flatMap((item) => (item.event ? [item.event] : []));
    const perEvent: EventHandler[] = [];
    for (const handler of this.handlers) {
      if (handler.handleBatch && events.length > 0) {
        try {
          await handler.handleBatch(events, this.log);
          continue;
        } catch (error) {
          if (isDatabaseUnavailable(error)) throw error;
          this.log.warn({ err: error, handler: handler.name }, "a batch failed; handling its events one at a time");
        }
      }
      perEvent.push(handler);
    }
    return perEvent;
  }

  /** Runs the handlers on one event; false when it failed (and is recorded for a retry). */
  async #process(item: Pending, handlers: readonly EventHandler[]): Promise<boolean> {
    const log = lazyChild(this.log, { eventId: item.event?.event_id, roomId: item.roomId, type: item.event?.type });
    try {
      if (!item.event) throw item.unreadable;
      for (const handler of handlers) {
        await handler.handle(item.event, log);
      }
      this.metrics?.eventHandled(item.event);
      return true;
    } catch (error) {
      // Not the event's fault: the pass ends and the event is handled again later.
      if (isDatabaseUnavailable(error)) throw error;
      const attempts = item.attempts + 1;
      const givingUp = attempts >= MAX_ATTEMPTS;
      log.error({ err: error, attempts }, givingUp ? "event failed; giving up on it" : "event failed; will retry");
      await this.db.inboundEvent.update({
        where: { seq: item.seq },
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

/** A stored event as a pass handles it: read back, or why it could not be. */
interface Pending {
  seq: number;
  roomId: string;
  attempts: number;
  event: MatrixEvent | undefined;
  unreadable?: unknown;
}

function readPending(row: { seq: number; roomId: string; event: string; attempts: number }): Pending {
  const { seq, roomId, attempts } = row;
  try {
    return { seq, roomId, attempts, event: matrixEventSchema.parse(JSON.parse(row.event)) };
  } catch (error) {
    return { seq, roomId, attempts, event: undefined, unreadable: error };
  }
}
