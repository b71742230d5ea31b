import { chmod, mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { describeTarget, type DatabaseTarget } from "./target.ts";
import { compactWasmCode } from "./wasmCode.ts";

/**
 * The appservice's database. Both clients are generated from the same schema.prisma and
 * have the same models; the code is written against the SQLite client's types.
 */
export type Db = PrismaClient;

/**
 * Opens the appservice's database (SQLite or PostgreSQL), applying pending migrations first.
 * Only the chosen database's client, adapter and driver are loaded (each client brings its
 * own query compiler).
 */
export async function openDatabase(target: DatabaseTarget, logger: Logger): Promise<Db> {
  compactWasmCode();
  if (target.kind === "postgresql") {
    const [{ applyPostgresMigrations }, { PrismaPg }, { PrismaClient: PostgresPrismaClient }] = await Promise.all([
      import("./migratePostgres.ts"),
      import("@prisma/adapter-pg"),
      import("../generated/prisma-postgresql/client.ts"),
    ]);
    await applyPostgresMigrations(target.url, logger);
    const prisma = new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: target.url }) });
    await prisma.$connect();
    logger.info({ database: describeTarget(target) }, "database open");
    return prisma as unknown as Db;
  }
  await mkdir(path.dirname(target.sqliteFile), { recursive: true });
  await makePrivate(target.sqliteFile);
  const [{ applySqliteMigrations }, { PrismaBetterSqlite3 }, { PrismaClient }] = await Promise.all([
    import("./migrateSqlite.ts"),
    import("@prisma/adapter-better-sqlite3"),
    import("../generated/prisma/client.ts"),
  ]);
  await applySqliteMigrations(target.sqliteFile, logger);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${target.sqliteFile}` }) });
  await prisma.$connect();
  // WAL lets readers run beside the writer; FULL makes every commit survive a crash of
  // the machine, which is what "written before we answer 200" promises.
  await prisma.$queryRawUnsafe("PRAGMA synchronous = FULL");
  await prisma.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  return prisma;
}

/**
 * The SQLite file holds every room's text: readable by its owner only, like the other
 * secrets. Created so before SQLite first opens it (SQLite gives the -wal and -shm files
 * the database's own mode); a database made by an older version is tightened here too.
 */
async function makePrivate(sqliteFile: string): Promise<void> {
  await (await open(sqliteFile, "a", 0o600)).close();
  for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) {
    await chmod(file, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
}
