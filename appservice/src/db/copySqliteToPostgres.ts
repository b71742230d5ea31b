import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import type { Client as PgClient } from "pg";
import type { Logger } from "pino";
import { applyPostgresMigrations } from "./migratePostgres.ts";
import { MIGRATIONS_DIRS, readMigrations } from "./migrations.ts";
import { describeTarget } from "./target.ts";
import { UserFacingError } from "@aachat/protocol/UserFacingError";
import { openSqliteFile } from "./openSqlite.ts";

/** Tables in an order where every row's foreign keys point at rows already copied. */
const TABLES = [
  "InboundTransaction",
  "InboundEvent",
  "Team",
  "TeamMember",
  "Stream",
  "Project",
  "Agent",
  "DeletedAgentName",
  "ProjectAgent",
  "Signal",
  "AgentUsage",
  "OutboundMessage",
  "ThreadHops",
  "RoomMessage",
  "RoomMember",
] as const;

const BATCH_ROWS = 500;

/** The copy was refused; nothing was written to the target (its tables may have been created, empty). */
export class CopyRefusedError extends UserFacingError {
  override readonly name = "CopyRefusedError";
}

export interface CopyReport {
  tables: { table: string; rows: number }[];
  durationMs: number;
}

/**
 * Copies an appservice's SQLite database into an empty PostgreSQL database, for an install
 * moving from the embedded default: the target gets the migrations, every row is copied
 * in one transaction (all or nothing), the id sequences continue after the copied rows,
 * and each table's row count is checked before committing. Stop the appservice first.
 */
export async function copySqliteToPostgres(
  sqliteFile: string,
  url: string,
  log: Logger,
  onProgress: (message: string) => void = () => undefined,
): Promise<CopyReport> {
  const started = performance.now();
  if (!existsSync(sqliteFile))
    throw new CopyRefusedError(`${sqliteFile} does not exist; give the appservice's SQLite file (data/aachat.db)`);
  const source = openSqliteFile(sqliteFile, { readonly: true, fileMustExist: true });
  try {
    await checkSourceIsCurrent(source, sqliteFile);
    onProgress(`Preparing ${describeTarget({ kind: "postgresql", url })}…`);
    await applyPostgresMigrations(url, log);
    // pg is loaded here, not at import: the appservice on SQLite never needs it.
    const { default: pg } = await import("pg");
    const target = new pg.Client({ connectionString: url });
    await target.connect();
    try {
      await refuseNonEmpty(target);
      const converters = await columnConverters(target);
      await target.query("BEGIN");
      try {
        const tables: CopyReport["tables"] = [];
        for (const table of TABLES) {
          const rows = await copyTable(source, target, table, converters.get(table) ?? new Map<string, Converter>());
          tables.push({ table, rows });
          onProgress(`  ${table}: ${rows} rows`);
        }
        await continueSequences(target);
        await target.query("COMMIT");
        return { tables, durationMs: performance.now() - started };
      } catch (error) {
        await target.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } finally {
      await target.end();
    }
  } finally {
    source.close();
  }
}

async function checkSourceIsCurrent(source: Database.Database, file: string): Promise<void> {
  const hasTable = source
    .prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`,
    )
    .get();
  if (!hasTable || hasTable.n === 0) throw new CopyRefusedError(`${file} is not an aachat appservice database`);
  const tables = source
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`,
    )
    .all()
    .map((row) => row.name);
  const unknown = tables.filter((table) => !(TABLES as readonly string[]).includes(table));
  // A table added by a migration must be added to TABLES too, or its rows would be left behind.
  if (unknown.length > 0) throw new Error(`the copy does not know the tables ${unknown.join(", ")}`);
  const applied = new Set(
    source
      .prepare<[], { migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
      )
      .all()
      .map((row) => row.migration_name),
  );
  const missing = (await readMigrations(MIGRATIONS_DIRS.sqlite)).filter((migration) => !applied.has(migration.name));
  if (missing.length > 0) {
    throw new CopyRefusedError(
      `${file} was last used by an older aachat (it lacks ${missing.map((m) => m.name).join(", ")}); start the appservice on it once, so it is brought up to date, stop it, then copy`,
    );
  }
}

async function refuseNonEmpty(target: PgClient): Promise<void> {
  for (const table of TABLES) {
    const { rows } = await target.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
    if (Number(rows[0]?.n) > 0) {
      throw new CopyRefusedError(
        `the target database already holds aachat data (${rows[0]!.n} rows in ${table}); copy into an empty database`,
      );
    }
  }
}

type Converter = (value: unknown) => unknown;

/** How a SQLite value becomes the target column's: booleans were 0/1, times were text. */
async function columnConverters(target: PgClient): Promise<Map<string, Map<string, Converter>>> {
  const { rows } = await target.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const converters = new Map<string, Map<string, Converter>>();
  for (const row of rows) {
    const converter: Converter | undefined =
      row.data_type === "boolean" ? toBoolean : row.data_type.startsWith("timestamp") ? toDate : undefined;
    if (!converter) continue;
    const table = converters.get(row.table_name) ?? new Map<string, Converter>();
    table.set(row.column_name, converter);
    converters.set(row.table_name, table);
  }
  return converters;
}

function toBoolean(value: unknown): unknown {
  return value === null ? null : value === 1 || value === true || value === "1" || value === "true";
}

function toDate(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return new Date(value);
  const text = `${value as string}`;
  // SQLite's CURRENT_TIMESTAMP writes "YYYY-MM-DD HH:MM:SS", in UTC.
  const date = new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text) ? `${text.replace(" ", "T")}Z` : text);
  if (Number.isNaN(date.getTime())) throw new Error(`cannot read the time ${JSON.stringify(text)}`);
  return date;
}

async function copyTable(
  source: Database.Database,
  target: PgClient,
  table: string,
  converters: Map<string, Converter>,
): Promise<number> {
  const columns = source
    .prepare<[], { name: string }>(`PRAGMA table_info("${table}")`)
    .all()
    .map((column) => column.name);
  const quoted = columns.map((column) => `"${column}"`).join(", ");
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const placeholders = row.map((value) => {
        values.push(value);
        return `$${values.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await target.query(`INSERT INTO "${table}" (${quoted}) VALUES ${tuples.join(", ")}`, values);
    copied += batch.length;
    batch = [];
  };
  for (const row of source.prepare(`SELECT ${quoted} FROM "${table}"`).iterate() as IterableIterator<
    Record<string, unknown>
  >) {
    batch.push(columns.map((column) => (converters.get(column) ?? ((value: unknown) => value))(row[column])));
    if (batch.length >= BATCH_ROWS) await flush();
  }
  await flush();
  const sourceCount = (source.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${table}"`).get() ?? { n: 0 }).n;
  const { rows } = await target.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
  if (Number(rows[0]?.n) !== sourceCount || copied !== sourceCount) {
    throw new Error(`${table}: ${sourceCount} rows in the source, ${rows[0]?.n} in the target; nothing was committed`);
  }
  return copied;
}

/** Every SERIAL column's sequence continues after the largest copied value. */
async function continueSequences(target: PgClient): Promise<void> {
  const { rows } = await target.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'`,
  );
  for (const { table_name: table, column_name: column } of rows) {
    await target.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX("${column}") FROM "${table}"), 1), (SELECT MAX("${column}") FROM "${table}") IS NOT NULL)`,
      [`"${table}"`, column],
    );
  }
}
