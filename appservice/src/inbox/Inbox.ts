import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { matrixEventSchema, type MatrixEvent } from "../matrix/events.ts";
import type { EventHandler } from "./EventHandler.ts";

/** A failing event is tried this many times, then set aside with its error recorded. */
export const MAX_ATTEMPTS = 3;
const BATCH_SIZE = 200;
const RETRY_BASE_MS = 500;

export type StoreResult = "stored" | "duplicate-transaction";

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
  ) {}

  /** Writes the transaction and its events in one database transaction. */
  async store(txnId: string, events: readonly MatrixEvent[]): Promise<StoreResult> {
    const inserted = await this.db.$transaction(async (tx) => {
      const created = await tx.$executeRaw`
        INSERT OR IGNORE INTO "InboundTransaction" ("txnId", "eventCount") VALUES (${txnId}, ${events.length})`;
      if (created === 0) return false;
      if (events.length > 0) {
        const rows = events.map(
          (event) =>
            Prisma.sql`(${event.event_id}, ${txnId}, ${event.room_id}, ${event.type}, ${event.sender}, ${JSON.stringify(event)})`,
        );
        await tx.$executeRaw`
          INSERT OR IGNORE INTO "InboundEvent" ("eventId", "txnId", "roomId", "type", "sender", "event")
          VALUES ${Prisma.join(rows)}`;
      }
      return true;
    });
    return inserted ? "stored" : "duplicate-transaction";
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
      await this.#drainOnce();
    } while (this.#wakeAgain && !this.#closed);
  }

  async #drainOnce(): Promise<void> {
    let afterSeq = 0;
    while (!this.#closed) {
      const batch = await this.db.inboundEvent.findMany({
        where: { processedAt: null, seq: { gt: afterSeq } },
        orderBy: { seq: "asc" },
        take: BATCH_SIZE,
      });
      if (batch.length === 0) return;
      for (const row of batch) {
        if (this.#closed) return;
        afterSeq = row.seq;
        await this.#process(row);
      }
    }
  }

  async #process(row: { seq: number; eventId: string; event: string; attempts: number }): Promise<void> {
    const event = matrixEventSchema.parse(JSON.parse(row.event));
    const log = this.log.child({ eventId: event.event_id, roomId: event.room_id, type: event.type });
    try {
      for (const handler of this.handlers) {
        await handler.handle(event, log.child({ handler: handler.name }));
      }
      await this.db.inboundEvent.update({ where: { seq: row.seq }, data: { processedAt: new Date() } });
    } catch (error) {
      const attempts = row.attempts + 1;
      const givingUp = attempts >= MAX_ATTEMPTS;
      log.error({ err: error, attempts }, givingUp ? "event failed; giving up on it" : "event failed; will retry");
      await this.db.inboundEvent.update({
        where: { seq: row.seq },
        data: { attempts, lastError: String(error), processedAt: givingUp ? new Date() : null },
      });
      if (!givingUp) this.#scheduleRetry(attempts);
    }
  }

  #scheduleRetry(attempts: number): void {
    setTimeout(() => void this.wake(), RETRY_BASE_MS * 2 ** attempts).unref();
  }
}
