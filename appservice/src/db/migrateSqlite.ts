import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { MIGRATIONS_DIRS, pendingMigrations, readMigrations } from "./migrations.ts";
import { openSqliteFile } from "./openSqlite.ts";

/** Prisma's own bookkeeping table, so `prisma migrate` on a connected machine sees these as applied. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL,
    "checksum" TEXT NOT NULL,
    "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL,
    "logs" TEXT,
    "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** Applies every SQLite migration not yet recorded, in name order, each in its own transaction. */
export async function applySqliteMigrations(
  sqliteFile: string,
  logger: Logger,
  dir = MIGRATIONS_DIRS.sqlite,
): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const db = openSqliteFile(sqliteFile);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(CREATE_MIGRATIONS_TABLE);
    const applied = new Map(
      db
        .prepare<[], { migration_name: string; checksum: string }>(
          `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        )
        .all()
        .map((row) => [row.migration_name, row.checksum]),
    );
    const newlyApplied: string[] = [];
    for (const migration of pendingMigrations(migrations, applied, sqliteFile)) {
      db.transaction(() => {
        db.exec(migration.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(randomUUID(), migration.checksum, migration.name);
      })();
      logger.info({ migration: migration.name }, "applied database migration");
      newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    db.close();
  }
}
