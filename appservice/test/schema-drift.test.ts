import { readFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "../src/db/migrate.ts";

const SCHEMA = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));
const log = pino({ level: "silent" });

interface DmmfField {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  dbName?: string | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  fields: { name: string }[];
}

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
  await applyMigrations(file, log);
  return new Database(file, { readonly: true });
}

async function datamodel(): Promise<{ models: DmmfModel[]; indexes: DmmfIndex[] }> {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: await readFile(SCHEMA, "utf8") }))) as {
    datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
  };
  return dmmf.datamodel;
}

describe("the migrations and schema.prisma", () => {
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
    expect(tables).toEqual(models.map((model) => model.dbName ?? model.name).sort());

    for (const model of models) {
      const table = model.dbName ?? model.name;
      const columns = db
        .prepare<[], { name: string; type: string; notnull: number; pk: number; dflt_value: string | null }>(
          `PRAGMA table_info("${table}")`,
        )
        .all();
      const expected = model.fields
        .filter((field) => field.kind === "scalar" || field.kind === "enum")
        .map((field) => ({
          name: field.dbName ?? field.name,
          type: field.kind === "enum" ? "TEXT" : SQLITE_TYPES[field.type],
          notnull: field.isRequired,
          pk: field.isId || (model.primaryKey?.fields.includes(field.name) ?? false),
          hasDefault: field.hasDefaultValue && !field.isId,
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
      const uniqueFields = model.fields
        .filter((field) => field.isUnique)
        .map((field) => ({ unique: true, columns: [field.dbName ?? field.name] }));
      const modelIndexes = indexes
        .filter((index) => index.model === model.name && (index.type === "unique" || index.type === "normal"))
        .filter(
          (index) =>
            !(
              index.type === "unique" &&
              index.fields.length === 1 &&
              uniqueFields.some((u) => u.columns[0] === index.fields[0]?.name)
            ),
        )
        .map((index) => ({ unique: index.type === "unique", columns: index.fields.map((field) => field.name) }));
      const sortKey = (index: { unique: boolean; columns: string[] }) => `${index.unique}:${index.columns.join(",")}`;
      expect(sqliteIndexes.map(sortKey).sort(), `indexes of ${table}`).toEqual(
        [...uniqueFields, ...modelIndexes].map(sortKey).sort(),
      );
    }
  });

  it("are applied once: a second start applies nothing", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-drift-")), "twice.db");
    const first = await applyMigrations(file, log);
    expect(first.length).toBeGreaterThan(0);
    expect(await applyMigrations(file, log)).toEqual([]);
  });

  it("refuse a migration file changed after it was applied", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-drift-")), "changed.db");
    await applyMigrations(file, log);
    const db = new Database(file);
    db.prepare(`UPDATE "_prisma_migrations" SET checksum = 'different'`).run();
    db.close();
    await expect(applyMigrations(file, log)).rejects.toThrow(/was changed after it was applied/);
  });

  it("live in Prisma's migrations folder", () => {
    expect(MIGRATIONS_DIR.endsWith(path.join("appservice", "prisma", "migrations"))).toBe(true);
  });
});
