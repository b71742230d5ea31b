import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { findFreePort } from "@aachat/synapse";

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * A real PostgreSQL server (Debian's postgresql package) in a temporary directory on a free
 * port, tuned for tests (no fsync). PostgreSQL refuses to run as root, so as root it runs as
 * the `postgres` user the package creates; Node switches user itself (not runuser, which
 * would stand between us and the server's signals).
 */
export class PostgresServer {
  #server: ChildProcess;
  #stderr = "";

  private constructor(
    private readonly dir: string,
    private readonly dataDir: string,
    readonly port: number,
    private readonly asUser: { uid?: number; gid?: number; cwd?: string },
  ) {
    this.#server = this.#spawn();
  }

  /** postgresql://postgres@127.0.0.1:PORT/postgres: a superuser that may create databases. */
  get adminUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PostgresServer> {
    const bin = findPostgresBin();
    const dir = await mkdtemp(path.join(tmpdir(), "aachat-pg-"));
    const dataDir = path.join(dir, "data");
    const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
    if (runAs) {
      await chown(dir, runAs.uid, runAs.gid);
      await chmod(dir, 0o700);
    }
    const asUser = runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: dir } : {};
    const initialized = spawnSync(
      path.join(bin, "initdb"),
      ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
      { encoding: "utf8", ...asUser },
    );
    if (initialized.status !== 0) {
      throw new Error(`initdb failed (${initialized.status}):\n${initialized.stderr || initialized.stdout}`);
    }
    const server = new PostgresServer(dir, dataDir, await findFreePort(), asUser);
    await server.#waitUntilReady();
    return server;
  }

  /** Creates a database; resolves with its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.href;
  }

  /** Stops the server (fast shutdown: open connections are cut) and starts it again on the same port and data. */
  async restart(): Promise<void> {
    await this.#stopServer();
    this.#server = this.#spawn();
    await this.#waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.#stopServer();
    await rm(this.dir, { recursive: true, force: true });
  }

  #spawn(): ChildProcess {
    this.#stderr = "";
    const server = spawn(
      path.join(findPostgresBin(), "postgres"),
      [
        ...["-D", this.dataDir, "-p", String(this.port), "-h", "127.0.0.1", "-k", this.dir],
        ...[
          "-c",
          "fsync=off",
          "-c",
          "synchronous_commit=off",
          "-c",
          "full_page_writes=off",
          "-c",
          "max_connections=200",
        ],
      ],
      { stdio: ["ignore", "ignore", "pipe"], ...this.asUser },
    );
    server.stderr?.on("data", (chunk: Buffer) => (this.#stderr += chunk.toString()));
    return server;
  }

  async #stopServer(): Promise<void> {
    const server = this.#server;
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGINT"); // PostgreSQL's fast shutdown
    const timer = setTimeout(() => server.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async #waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.#server.exitCode !== null)
        throw new Error(`PostgreSQL exited (${this.#server.exitCode}):\n${this.#stderr}`);
      const client = new pg.Client({ connectionString: this.adminUrl });
      try {
        await client.connect();
        await client.query("SELECT 1");
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(
            `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${String(error)}\n${this.#stderr}`,
            { cause: error },
          );
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
