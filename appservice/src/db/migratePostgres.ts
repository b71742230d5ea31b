import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { MIGRATIONS_DIRS, pendingMigrations, readMigrations } from "./migrations.ts";
import { describeTarget } from "./target.ts";

/** Prisma's own bookkeeping table, as `prisma migrate` makes it on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Any number: it names the lock two appservices starting at once would both take. */
const MIGRATION_LOCK = 73_122_011;

/**
 * Applies every PostgreSQL migration not yet recorded, in name order, each in its own
 * transaction, under an advisory lock so two processes never migrate at once.
 */
export async function applyPostgresMigrations(
  url: string,
  logger: Logger,
  dir = MIGRATIONS_DIRS.postgresql,
): Promise<string[]> {
  const migrations = await readMigrations(dir);
  // pg is loaded here, not at import: the appservice on SQLite never needs it.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const newlyApplied: string[] = [];
    for (const migration of pendingMigrations(migrations, applied, describeTarget({ kind: "postgresql", url }))) {
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
      logger.info({ migration: migration.name }, "applied database migration");
      newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
