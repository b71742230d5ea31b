import { readdir, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { SynapseStartError } from "./errors.ts";
import { synapsePaths } from "./paths.ts";
import { commandLineOf, readPidFile } from "./process-info.ts";

const STOP_GRACE_MS = 10_000;
const KILL_WAIT_MS = 5_000;
const POLL_MS = 100;

/**
 * True if `pid` is a Synapse running on this data directory's config: a pid file can
 * outlive its process, and the pid may since belong to something else.
 */
export async function isSynapseOf(pid: number, dataDir: string): Promise<boolean> {
  const args = await commandLineOf(pid);
  return (
    args !== undefined && args.includes("synapse.app.homeserver") && args.includes(synapsePaths(dataDir).homeserverYaml)
  );
}

/** The pid of the Synapse named by the data directory's pid file, if that process is still that Synapse. */
export async function runningSynapsePid(dataDir: string): Promise<number | undefined> {
  const pid = await readPidFile(synapsePaths(dataDir).pidFile);
  return pid !== undefined && (await isSynapseOf(pid, dataDir)) ? pid : undefined;
}

/**
 * Every Synapse running on this data directory's config: the one its pid file names and,
 * on Linux, any other (one whose pid file was lost, say), found by command line.
 */
export async function synapseProcessesOf(dataDir: string): Promise<number[]> {
  const pids = new Set<number>();
  const named = await runningSynapsePid(dataDir);
  if (named !== undefined) pids.add(named);
  if (process.platform === "linux") {
    for (const entry of await readdir("/proc")) {
      const pid = Number(entry);
      if (Number.isSafeInteger(pid) && !pids.has(pid) && (await isSynapseOf(pid, dataDir))) pids.add(pid);
    }
  }
  return [...pids];
}

/**
 * Stops every Synapse that earlier runs left on this data directory (their starter was
 * killed): SIGTERM, then SIGKILL after `graceMs`. Removes the pid file. Resolves with
 * the pids it stopped. Call it only while holding the data directory, or it may stop
 * a Synapse that a running stack owns.
 */
export async function stopLeftoverSynapses(
  dataDir: string,
  logger: Logger,
  graceMs = STOP_GRACE_MS,
): Promise<number[]> {
  const pids = await synapseProcessesOf(dataDir);
  await Promise.all(pids.map((pid) => stopLeftover(pid, dataDir, logger, graceMs)));
  await rm(synapsePaths(dataDir).pidFile, { force: true });
  return pids;
}

async function stopLeftover(pid: number, dataDir: string, logger: Logger, graceMs: number): Promise<void> {
  logger.debug({ synapsePid: pid, dataDir }, "stopping a Synapse left running by an earlier start");
  signal(pid, "SIGTERM");
  if (await endedWithin(pid, dataDir, graceMs)) return;
  logger.warn({ synapsePid: pid }, "Synapse did not stop within %d s of SIGTERM; sending SIGKILL", graceMs / 1000);
  signal(pid, "SIGKILL");
  if (await endedWithin(pid, dataDir, KILL_WAIT_MS)) return;
  const { logPath, stdoutLog } = synapsePaths(dataDir);
  throw new SynapseStartError(
    `the Synapse left running for ${dataDir} (pid ${pid}) did not end even after SIGKILL`,
    logPath,
    stdoutLog,
    "",
  );
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // Ended on its own in the meantime: that is what we want.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Not a parent of that process, we can only look until it is gone (a zombie counts as gone). */
async function endedWithin(pid: number, dataDir: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isSynapseOf(pid, dataDir)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}
