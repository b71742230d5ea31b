import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { requiredAachatFile } from "@aachat/protocol/installLayout";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

/**
 * The migrations, in Prisma's migrations folder format: one history, written once per
 * database the appservice runs on. Both folders hold the same migrations by name, in the
 * same order; a test keeps them (and schema.prisma) in step.
 */
export const MIGRATIONS_DIRS = {
  sqlite: requiredAachatFile("sqliteMigrations"),
  postgresql: requiredAachatFile("postgresqlMigrations"),
} as const;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends UserFacingError {
  override readonly name = "MigrationError";
}

export async function readMigrations(dir: string): Promise<Migration[]> {
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

/**
 * The migrations not applied yet, in order. A migration whose file changed after it was
 * applied is an error: the database no longer matches what the files say.
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: ReadonlyMap<string, string>,
  where: string,
): Migration[] {
  return migrations.filter((migration) => {
    const checksum = applied.get(migration.name);
    if (checksum === undefined) return true;
    if (checksum !== migration.checksum) {
      throw new MigrationError(
        `migration ${migration.name} was changed after it was applied to ${where}; restore the file or add a new migration instead`,
      );
    }
    return false;
  });
}
