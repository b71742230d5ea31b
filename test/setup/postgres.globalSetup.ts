import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { findFreePort } from "@aachat/synapse";

/** What the PostgreSQL global setup tells test files: a server whose superuser may create databases. */
export interface TestPostgresInfo {
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  port: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: TestPostgresInfo;
  }
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts one real PostgreSQL server (Debian's postgresql package) for the run, in a
 * temporary directory on a free port, tuned for tests (no fsync). PostgreSQL refuses to
 * run as root, so as root it runs as the `postgres` user the package creates.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = findPostgresBin();
  const dir = await mkdtemp(path.join(tmpdir(), "aachat-pg-"));
  const dataDir = path.join(dir, "data");
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  if (runAs) {
    await chown(dir, runAs.uid, runAs.gid);
    await chmod(dir, 0o700);
  }
  // Node switches user itself (not runuser, which would stand between us and the server's signals).
  const asUser = runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: dir } : {};

  const initialized = spawnSync(
    path.join(bin, "initdb"),
    ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
    { encoding: "utf8", ...asUser },
  );
  if (initialized.status !== 0) {
    throw new Error(`initdb failed (${initialized.status}):\n${initialized.stderr || initialized.stdout}`);
  }
  const port = await findFreePort();
  const server: ChildProcess = spawn(
    path.join(bin, "postgres"),
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-h",
      "127.0.0.1",
      "-k",
      dir,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ],
    { stdio: ["ignore", "ignore", "pipe"], ...asUser },
  );
  let stderr = "";
  server.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitForPostgres(adminUrl, server, () => stderr);
  project.provide("postgres", { adminUrl, port });
  return async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGINT"); // PostgreSQL's fast shutdown
      const timer = setTimeout(() => server.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
}

/** The folder of PostgreSQL's server programs: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
function findPostgresBin(): string {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return path.dirname(onPath);
  const debian = "/usr/lib/postgresql";
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => existsSync(path.join(debian, version, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(debian, versions[0], "bin");
  throw new Error("PostgreSQL's server is not installed; install Debian's postgresql package (`.ci/run` does)");
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(
      "running as root, but there is no `postgres` user to run PostgreSQL as (Debian's postgresql package creates it)",
    );
  }
  return { uid, gid };
}

async function waitForPostgres(url: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited (${server.exitCode}):\n${stderr()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${String(error)}\n${stderr()}`,
          { cause: error },
        );
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
