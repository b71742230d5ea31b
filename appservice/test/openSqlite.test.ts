import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  driverBuiltForOtherNode,
  openSqliteFile,
  SqliteDriverError,
  sqliteDriverProblem,
} from "../src/db/openSqlite.ts";

/** What Node.js 20 throws loading a better-sqlite3 that `npm rebuild` made under Node.js 22 (seen here). */
function builtForNode22(modulePath = "/home/ada/aachat/node_modules/better-sqlite3/build/Release/better_sqlite3.node") {
  const error: NodeJS.ErrnoException = new Error(
    `The module '${modulePath}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. ` +
      "This version of Node.js requires\nNODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n" +
      "the module (for instance, using `npm rebuild` or `npm install`).",
  );
  error.code = "ERR_DLOPEN_FAILED";
  return error;
}

describe("SQLite's driver on another Node.js", () => {
  it("says which Node.js it was built for and what to run, in the folder that holds it", () => {
    const explained = driverBuiltForOtherNode(builtForNode22(), "v20.20.2");
    expect(explained).toBeInstanceOf(SqliteDriverError);
    expect(explained?.message).toContain("module version 127; Node.js v20.20.2 needs 115");
    expect(explained?.message).toContain("Run `npm rebuild better-sqlite3` in /home/ada/aachat and start again");
    // aachat doctor shows the two halves apart.
    expect(explained?.detail).toMatch(/^SQLite's driver \(better-sqlite3\) was built for another Node\.js/);
    expect(explained?.fix).toMatch(/^Run `npm rebuild better-sqlite3` in \/home\/ada\/aachat/);
  });

  it("names no folder it cannot tell", () => {
    const explained = driverBuiltForOtherNode(builtForNode22("/opt/better_sqlite3.node"), "v22.1.0");
    expect(explained?.message).toContain("`npm rebuild better-sqlite3` where aachat is installed");
  });

  it("leaves every other error as it is", () => {
    const otherDlopen: NodeJS.ErrnoException = new Error("libsqlite.so: cannot open shared object file");
    otherDlopen.code = "ERR_DLOPEN_FAILED";
    expect(driverBuiltForOtherNode(otherDlopen)).toBeNull();
    expect(driverBuiltForOtherNode(new Error("NODE_MODULE_VERSION 127. This version of Node.js requires"))).toBeNull();
    expect(driverBuiltForOtherNode("a string")).toBeNull();
  });

  it("opens a file with the driver as installed, and passes its own errors on", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aachat-opensqlite-"));
    const db = openSqliteFile(path.join(dir, "a.db"));
    expect(db.prepare("SELECT 1 + 1 AS two").get()).toEqual({ two: 2 });
    db.close();
    expect(() => openSqliteFile(path.join(dir, "missing", "b.db"))).toThrow(/directory does not exist/);
    expect(() => openSqliteFile(path.join(dir, "missing", "b.db"))).not.toThrow(SqliteDriverError);
    expect(sqliteDriverProblem()).toBeNull();
  });
});
