import { readFile } from "node:fs/promises";
import path from "node:path";
import { findFreePort } from "@aachat/synapse";
import { spawnCli, type CliProcess } from "../cli.ts";
import { waitUntil } from "../waits.ts";
import { CliUser } from "./cliUser.ts";
import { HttpHuman } from "./httpHuman.ts";
import { killHard, processTree } from "./processes.ts";

/**
 * The whole embedded stack as a user runs it: `aachat up` (Synapse and the appservice) in
 * its own data directory and ports, beside a CLI user of its own, so that a test may kill
 * any of its processes and start it again the same way.
 */
export class EmbeddedStack {
  up: CliProcess | undefined;

  private constructor(
    readonly user: CliUser,
    readonly synapsePort: number,
    readonly appservicePort: number,
  ) {}

  /** A stack whose data, and its user's folders, are under `dir`. */
  static async create(dir: string): Promise<EmbeddedStack> {
    return new EmbeddedStack(CliUser.create(dir), await findFreePort(), await findFreePort());
  }

  get dataDir(): string {
    return this.user.env.AACHAT_DATA_DIR!;
  }

  get homeserverUrl(): string {
    return `http://127.0.0.1:${this.synapsePort}`;
  }

  get appserviceUrl(): string {
    return `http://127.0.0.1:${this.appservicePort}`;
  }

  /** `aachat up`, as `npm start` runs it; resolves once it printed that it is up. */
  async start(): Promise<void> {
    const up = spawnCli(
      [
        "up",
        "--data-dir",
        this.dataDir,
        "--port",
        String(this.appservicePort),
        "--synapse-port",
        String(this.synapsePort),
      ],
      this.user.env,
    );
    this.up = up;
    await up.waitForOutput("aachat is up.", 120_000);
  }

  /** Ctrl-C: resolves with `aachat up`'s exit code once it has stopped everything. */
  async interrupt(): Promise<number | null> {
    return (await this.up?.stop("SIGINT")) ?? null;
  }

  /** kill -9 of `aachat up` itself; whatever it started is left to fend for itself. */
  async killUp(): Promise<void> {
    if (this.up?.process.pid) await killHard(this.up.process.pid);
    await this.up?.stop();
  }

  /**
   * The machine stops: `aachat up`, Synapse and every process of `alsoTrees` (a runtime and
   * what it started) get SIGKILL in the same instant, before any of them can notice another
   * go. Resolves once all are gone. (What the disk's cache would lose is not simulated.)
   */
  async powerCut(alsoTrees: readonly number[]): Promise<void> {
    const roots = [this.up?.process.pid ?? 0, await this.synapsePid(), ...alsoTrees].filter((pid) => pid > 0);
    const pids = (await Promise.all(roots.map((pid) => processTree(pid)))).flat();
    // killHard sends its SIGKILL before its first await: every process gets it in this tick.
    await Promise.all(pids.map((pid) => killHard(pid)));
    await this.up?.stop();
  }

  async synapsePid(): Promise<number> {
    const text = await readFile(path.join(this.dataDir, "synapse", "aachat-synapse.pid"), "utf8");
    return Number(text.trim());
  }

  /** Waits until `aachat up` has started a new Synapse in place of `killedPid` and it answers. */
  async synapseRestarted(killedPid: number): Promise<void> {
    await waitUntil(
      "aachat up has started Synapse again",
      async () => {
        if (this.up?.process.exitCode !== null) throw new Error(`aachat up exited:\n${this.up?.stderr()}`);
        const pid = await this.synapsePid().catch(() => 0);
        if (pid === 0 || pid === killedPid) return false;
        return fetch(`${this.homeserverUrl}/_matrix/client/versions`).then(
          (response) => response.ok,
          () => false,
        );
      },
      60_000,
    );
  }

  /** The admin user `aachat up` made on first start, logged in as a plain client. */
  async admin(): Promise<HttpHuman> {
    const { username, password } = JSON.parse(
      await readFile(path.join(this.dataDir, "admin-credentials.json"), "utf8"),
    ) as { username: string; password: string };
    return HttpHuman.login(this.homeserverUrl, username, password);
  }

  /** Stops everything: the runtimes (`agent stop --all`) and the stack (Ctrl-C). */
  async stop(): Promise<void> {
    await this.user.stopRuntimes();
    await this.interrupt();
  }
}
