import { chmod, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";

const log = pino({ level: "silent" });

async function modeOf(file: string): Promise<string> {
  return ((await stat(file)).mode & 0o777).toString(8);
}

/** The SQLite database holds every room's text: only its owner may read it. */
describe("the SQLite database files", () => {
  it("are created readable by their owner only, with the WAL files", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-dbfiles-")), "aachat.db");
    const db = await openDatabase({ kind: "sqlite", sqliteFile: file }, log);
    try {
      await db.team.count();
      expect(await modeOf(file)).toBe("600");
      expect(await modeOf(`${file}-wal`)).toBe("600");
      expect(await modeOf(`${file}-shm`)).toBe("600");
    } finally {
      await db.$disconnect();
    }
  });

  it("are made so at start when an older version left them world-readable", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "aachat-dbfiles-")), "aachat.db");
    await (await openDatabase({ kind: "sqlite", sqliteFile: file }, log)).$disconnect();
    // As a crashed older version leaves them: the WAL files still there, all world-readable.
    const older = new Database(file);
    older.pragma("journal_mode = WAL");
    older.exec(`INSERT INTO "ThreadHops" ("roomId", "threadKey") VALUES ('!r', '')`);
    const files = [file, `${file}-wal`, `${file}-shm`];
    for (const name of files) await chmod(name, 0o644);

    const db = await openDatabase({ kind: "sqlite", sqliteFile: file }, log);
    try {
      expect(await db.threadHops.count()).toBe(1);
      for (const name of files) expect(await modeOf(name)).toBe("600");
    } finally {
      await db.$disconnect();
      older.close();
    }
  });
});
