import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { inject } from "vitest";
import type { DatabaseTarget } from "@aachat/appservice";

/**
 * The database tests run the appservice on: SQLite by default, PostgreSQL in the run
 * `npm test` makes with AACHAT_TEST_DATABASE=postgresql (vitest.postgresql.config.ts).
 */
export function testDatabaseKind(): DatabaseTarget["kind"] {
  return process.env.AACHAT_TEST_DATABASE === "postgresql" ? "postgresql" : "sqlite";
}

/** A new, empty database of the kind this run uses (a file, or a database on the run's PostgreSQL server). */
export async function freshTestDatabase(prefix = "appservice"): Promise<DatabaseTarget> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`.replace(/[^a-z0-9_]/g, "_");
  if (testDatabaseKind() === "sqlite") {
    return { kind: "sqlite", sqliteFile: path.join(inject("stack").workDir, `${name}.db`) };
  }
  return { kind: "postgresql", url: await createPostgresDatabase(name) };
}

/** Creates a database on the run's PostgreSQL server; resolves with its URL. */
export async function createPostgresDatabase(name: string): Promise<string> {
  const admin = new URL(inject("postgres").adminUrl);
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.href;
}

/** Runs a read-only query against the database, whichever kind it is. */
export async function queryRows<T>(target: DatabaseTarget, sql: string): Promise<T[]> {
  if (target.kind === "sqlite") {
    const db = new Database(target.sqliteFile, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
