import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { Logger } from "pino";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";

export type Db = PrismaClient;

/** Opens the appservice's SQLite database, applying pending migrations first. */
export async function openDatabase(sqliteFile: string, logger: Logger): Promise<Db> {
  await mkdir(path.dirname(sqliteFile), { recursive: true });
  await applyMigrations(sqliteFile, logger);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${sqliteFile}` }) });
  await prisma.$connect();
  // WAL lets readers run beside the writer; FULL makes every commit survive a crash of
  // the machine, which is what "written before we answer 200" promises.
  await prisma.$queryRawUnsafe("PRAGMA synchronous = FULL");
  await prisma.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  return prisma;
}
