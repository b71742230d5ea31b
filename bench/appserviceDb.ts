import Database from "better-sqlite3";
import { setTimeout as sleep } from "node:timers/promises";

export interface SignalRow {
  rowid: number;
  eventId: string;
  /** As stored: an ISO string from Prisma (millisecond precision) or SQLite's CURRENT_TIMESTAMP (seconds). */
  createdAt: unknown;
}

/**
 * The appservice's SQLite database, opened read-only beside the running appservice
 * (WAL: readers never block its writer). Only for counting and observing; never written.
 */
export class AppserviceDb {
  readonly #db: Database.Database;
  #signalsAfter: Database.Statement<[number], SignalRow> | undefined;

  constructor(sqliteFile: string) {
    this.#db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  }

  /** Stored inbound events whose id starts with `prefix`. */
  countEvents(prefix: string): number {
    const row = this.#db
      .prepare<[string, string], { n: number }>(
        `SELECT count(*) AS n FROM "InboundEvent" WHERE "eventId" >= ? AND "eventId" < ?`,
      )
      .get(prefix, `${prefix}\uffff`);
    return row?.n ?? 0;
  }

  /** When the first and the last event whose id starts with `prefix` were marked processed (epoch ms). */
  processedSpan(prefix: string): { firstMs: number; lastMs: number } | undefined {
    const row = this.#db
      .prepare<[string, string], { first: unknown; last: unknown }>(
        `SELECT min("processedAt") AS first, max("processedAt") AS last FROM "InboundEvent" WHERE "eventId" >= ? AND "eventId" < ?`,
      )
      .get(prefix, `${prefix}\uffff`);
    const firstMs = toEpochMs(row?.first);
    const lastMs = toEpochMs(row?.last);
    return firstMs === undefined || lastMs === undefined ? undefined : { firstMs, lastMs };
  }

  /** Inbound events the appservice has not processed yet. */
  unprocessedEvents(): number {
    const row = this.#db
      .prepare<[], { n: number }>(`SELECT count(*) AS n FROM "InboundEvent" WHERE "processedAt" IS NULL`)
      .get();
    return row?.n ?? 0;
  }

  /** Waits (polling every `pollMs`) until every stored event is processed; returns how long that took, or undefined on timeout. */
  async waitUntilProcessed(timeoutMs: number, pollMs = 50): Promise<number | undefined> {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      if (this.unprocessedEvents() === 0) return performance.now() - started;
      await sleep(pollMs);
    }
    return undefined;
  }

  /** Signal rows inserted after `rowid`, oldest first. */
  signalsAfter(rowid: number): SignalRow[] {
    this.#signalsAfter ??= this.#db.prepare<[number], SignalRow>(
      `SELECT rowid AS rowid, "eventId" AS eventId, "createdAt" AS createdAt FROM "Signal" WHERE rowid > ? ORDER BY rowid`,
    );
    return this.#signalsAfter.all(rowid);
  }

  close(): void {
    this.#db.close();
  }
}

/** A DateTime column as Prisma's better-sqlite3 adapter stores it: ISO 8601 text, or epoch milliseconds. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return undefined;
  const epochMs = Date.parse(value.includes("T") ? value : `${value.replace(" ", "T")}Z`);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}
