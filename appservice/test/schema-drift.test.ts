import { readdir } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { applySqliteMigrations } from "../src/db/migrateSqlite.ts";
import { MIGRATIONS_DIRS } from "../src/db/migrations.ts";
import { datamodel, expectedColumns, expectedIndexes, indexKey, tableName } from "./schemaModel.ts";

const log = pino({ level: "silent" });

const SQLITE_TYPES: Record<string, string> = {
  String: "TEXT",
  Int: "INTEGER",
  BigInt: "BIGINT",
  Boolean: "BOOLEAN",
  DateTime: "DATETIME",
  Float: "REAL",
  Decimal: "DECIMAL",
  Json: "JSONB",
  Bytes: "BLOB",
};

async function migratedDatabase(): Promise<Database.Database> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-drift-")), "drift.db");
  await applySqliteMigrations(file, log);
  return new Database(file, { readonly: true });
}

describe("the SQLite migrations and schema.prisma", () => {
  it("describe the same tables, columns, keys and indexes", async () => {
    const db = await migratedDatabase();
    const { models, indexes } = await datamodel();
    const tables = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_prisma_migrations'`,
      )
      .all()
      .map((row) => row.name)
      .sort();
    expect(tables).toEqual(models.map(tableName).sort());

    for (const model of models) {
      const table = tableName(model);
      const columns = db
        .prepare<[], { name: string; type: string; notnull: number; pk: number; dflt_value: string | null }>(
          `PRAGMA table_info("${table}")`,
        )
        .all();
      const expected = expectedColumns(model).map(({ prismaType, ...column }) => ({
        ...column,
        type: SQLITE_TYPES[prismaType],
      }));
      const actual = columns.map((column) => ({
        name: column.name,
        type: column.type,
        notnull: column.notnull === 1 || column.pk > 0,
        pk: column.pk > 0,
        hasDefault: column.dflt_value !== null,
      }));
      expect(actual, `columns of ${table}`).toEqual(expected);

      const sqliteIndexes = db
        .prepare<[], { name: string; unique: number; origin: string }>(`PRAGMA index_list("${table}")`)
        .all()
        .filter((index) => index.origin === "c")
        .map((index) => ({
          unique: index.unique === 1,
          columns: db
            .prepare<[], { name: string }>(`PRAGMA index_info("${index.name}")`)
            .all()
            .map((column) => column.name),
        }));
      expect(sqliteIndexes.map(indexKey).sort(), `indexes of ${table}`).toEqual(
        expectedIndexes(model, indexes).map(indexKey).sort(),
      );
    }
  });

  it("are applied once: a second start applies nothing", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-drift-")), "twice.db");
    const first = await applySqliteMigrations(file, log);
    expect(first.length).toBeGreaterThan(0);
    expect(await applySqliteMigrations(file, log)).toEqual([]);
  });

  it("refuse a migration file changed after it was applied", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-drift-")), "changed.db");
    await applySqliteMigrations(file, log);
    const db = new Database(file);
    db.prepare(`UPDATE "_prisma_migrations" SET checksum = 'different'`).run();
    db.close();
    await expect(applySqliteMigrations(file, log)).rejects.toThrow(/was changed after it was applied/);
  });

  it("live in Prisma's migrations folder", () => {
    expect(MIGRATIONS_DIRS.sqlite.endsWith(path.join("appservice", "prisma", "migrations"))).toBe(true);
  });

  it("are one history with PostgreSQL's: the same migrations, by name and order", async () => {
    const names = async (dir: string) =>
      (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    const sqlite = await names(MIGRATIONS_DIRS.sqlite);
    expect(sqlite.length).toBeGreaterThan(3);
    expect(await names(MIGRATIONS_DIRS.postgresql)).toEqual(sqlite);
  });
});
