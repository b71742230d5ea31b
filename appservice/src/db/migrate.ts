import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { Logger } from "pino";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

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

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

/**
 * Applies every migration folder not yet recorded, in name order, each in its own
 * transaction. A migration whose file changed after it was applied is an error: the
 * database no longer matches what the files say.
 */
export async function applyMigrations(sqliteFile: string, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const db = new Database(sqliteFile);
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
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.name} was changed after it was applied to ${sqliteFile}; restore the file or add a new migration instead`,
          );
        }
        continue;
      }
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

async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}
