import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../../test/support/databases.ts";
import { applyPostgresMigrations } from "../src/db/migratePostgres.ts";
import { datamodel, expectedColumns, expectedIndexes, indexKey, tableName } from "./schemaModel.ts";

const log = pino({ level: "silent" });

/** How Prisma's PostgreSQL migrations spell each scalar type (as information_schema names it). */
const POSTGRES_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp without time zone",
  Float: "double precision",
  Decimal: "numeric",
  Json: "jsonb",
  Bytes: "bytea",
};

describe("the PostgreSQL migrations and schema.prisma", () => {
  let url: string;
  let client: pg.Client;

  beforeAll(async () => {
    url = await createPostgresDatabase(`drift_${randomBytes(4).toString("hex")}`);
    await applyPostgresMigrations(url, log);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it("describe the same tables, columns, keys and indexes", async () => {
    const { models, indexes } = await datamodel();
    const tables = (
      await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      )
    ).rows
      .map((row) => row.table_name)
      .sort();
    expect(tables).toEqual(models.map(tableName).sort());

    for (const model of models) {
      const table = tableName(model);
      const columns = await client.query<{
        column_name: string;
        data_type: string;
        is_nullable: "YES" | "NO";
        column_default: string | null;
      }>(
        `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const primaryKey = new Set(
        (
          await client.query<{ column_name: string }>(
            `SELECT a.attname AS column_name FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = $1::regclass AND i.indisprimary`,
            [`"${table}"`],
          )
        ).rows.map((row) => row.column_name),
      );
      // An autoincrement id is a SERIAL: its default is the sequence, which Prisma's model does not count as one.
      const actual = columns.rows.map((column) => ({
        name: column.column_name,
        type: column.data_type,
        notnull: column.is_nullable === "NO",
        pk: primaryKey.has(column.column_name),
        hasDefault: column.column_default !== null && !column.column_default.startsWith("nextval("),
      }));
      const expected = expectedColumns(model).map(({ prismaType, ...column }) => ({
        ...column,
        type: POSTGRES_TYPES[prismaType],
      }));
      expect(actual, `columns of ${table}`).toEqual(expected);

      const found = (
        await client.query<{ unique: boolean; columns: string[] }>(
          `SELECT i.indisunique AS unique,
                  array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
           FROM pg_index i WHERE i.indrelid = $1::regclass AND NOT i.indisprimary`,
          [`"${table}"`],
        )
      ).rows;
      expect(found.map(indexKey).sort(), `indexes of ${table}`).toEqual(
        expectedIndexes(model, indexes).map(indexKey).sort(),
      );
    }
  });

  it("are applied once: a second start applies nothing", async () => {
    expect(await applyPostgresMigrations(url, log)).toEqual([]);
  });

  it("refuse a migration file changed after it was applied", async () => {
    const changed = await createPostgresDatabase(`changed_${randomBytes(4).toString("hex")}`);
    await applyPostgresMigrations(changed, log);
    const other = new pg.Client({ connectionString: changed });
    await other.connect();
    await other.query(`UPDATE "_prisma_migrations" SET checksum = 'different'`);
    await other.end();
    await expect(applyPostgresMigrations(changed, log)).rejects.toThrow(/was changed after it was applied/);
  });
});
