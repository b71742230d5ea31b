import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { ensureSynapseConfig } from "./config.ts";
import { HomeserverNotReadyError, PortInUseError, SynapseStartError } from "./errors.ts";
import { runningSynapsePid } from "./leftover.ts";
import { fileSize, tailLines } from "./log-tail.ts";
import type { SynapseConfigOptions } from "./overrides.ts";
import { endingWithThisProcess } from "./parent-death.ts";
import { synapsePaths } from "./paths.ts";
import { isPortFree } from "./ports.ts";
import { waitForHomeserver } from "./wait-ready.ts";

export interface RunningSynapse {
  url: string;
  pid: number;
  logPath: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has ended. Safe to call more than once. */
  stop(): Promise<void>;
  /** Resolves with the exit code (null if ended by a signal) whenever the process ends. */
  exited: Promise<number | null>;
}

const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 20;

class ExitedBeforeReady extends Error {
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(
      signal
        ? `the process was killed by ${signal} before it was ready`
        : `the process exited with code ${code} before it was ready`,
    );
  }
}

/** Writes the config, starts Synapse and resolves once it answers clients. */
export async function startSynapse(
  python: string,
  opts: SynapseConfigOptions,
  logger: Logger,
  startTimeoutMs = DEFAULT_START_TIMEOUT_MS,
): Promise<RunningSynapse> {
  const paths = synapsePaths(opts.dataDir);
  if (!(await isPortFree(opts.bindAddress, opts.port))) {
    throw new PortInUseError(opts.bindAddress, opts.port, await leftoverProcessHint(paths.dataDir));
  }
  const config = await ensureSynapseConfig(python, opts, logger);
  const logOffset = await fileSize(paths.logPath);
  const stdoutOffset = await fileSize(paths.stdoutLog);

  const command = endingWithThisProcess(python, [
    "-m",
    "synapse.app.homeserver",
    ...config.configPaths.flatMap((p) => ["--config-path", p]),
  ]);
  const outFd = openSync(paths.stdoutLog, "a");
  let child: ChildProcess;
  try {
    child = spawn(command.command, command.args, { cwd: paths.dataDir, stdio: ["ignore", outFd, outFd] });
  } finally {
    closeSync(outFd); // the child holds its own copy
  }
  const pid = await spawned(child).catch((err: Error) => {
    throw new SynapseStartError(`could not run ${python}: ${err.message}`, paths.logPath, paths.stdoutLog, "");
  });
  child.on("error", (err) => logger.warn({ synapsePid: pid, err: err.message }, "signalling Synapse failed"));
  await writeFile(paths.pidFile, `${pid}\n`);
  logger.info({ synapsePid: pid, url: config.url, dataDir: paths.dataDir }, "Synapse starting");

  // Last resort if our process ends without stop(): SIGTERM lets Synapse shut down by itself.
  const terminateOnExit = () => child.kill("SIGTERM");
  process.once("exit", terminateOnExit);
  const exitedEarly = new AbortController();
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      process.off("exit", terminateOnExit);
      exitedEarly.abort(new ExitedBeforeReady(code, signal));
      if (!stopping) logger.warn({ synapsePid: pid, code, signal }, "Synapse exited");
      void removePidFile(paths.pidFile, pid).finally(() => resolve(code));
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return void (await exited);
      child.kill("SIGTERM");
      const gaveUp = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS, true, { ref: false })]);
      if (gaveUp) {
        logger.warn(
          { synapsePid: pid },
          "Synapse did not stop within %d s of SIGTERM; sending SIGKILL",
          STOP_GRACE_MS / 1000,
        );
        child.kill("SIGKILL");
      }
      await exited;
      logger.info({ synapsePid: pid }, "Synapse stopped");
    })());

  const started = Date.now();
  try {
    await waitForHomeserver(config.url, startTimeoutMs, exitedEarly.signal);
  } catch (err) {
    await stop();
    const what =
      err instanceof ExitedBeforeReady
        ? err.message
        : err instanceof HomeserverNotReadyError
          ? `it did not answer ${config.url}/_matrix/client/versions within ${Math.round(startTimeoutMs / 1000)} s (last attempt: ${err.lastProblem})`
          : `waiting for it failed: ${String(err)}`;
    const tail =
      (await tailLines(paths.logPath, LOG_TAIL_LINES, logOffset)) ||
      (await tailLines(paths.stdoutLog, LOG_TAIL_LINES, stdoutOffset));
    throw new SynapseStartError(what, paths.logPath, paths.stdoutLog, tail);
  }
  logger.info({ synapsePid: pid, url: config.url, ms: Date.now() - started }, "Synapse is ready");
  return { url: config.url, pid, logPath: paths.logPath, stop, exited };
}

function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      if (child.pid === undefined) reject(new Error("no process id"));
      else resolve(child.pid);
    });
  });
}

async function removePidFile(pidFile: string, pid: number): Promise<void> {
  const content = await readFile(pidFile, "utf8").catch(() => "");
  if (content.trim() === String(pid)) await rm(pidFile, { force: true });
}

async function leftoverProcessHint(dataDir: string): Promise<string> {
  const pid = await runningSynapsePid(dataDir);
  if (pid === undefined) return "";
  return `A Synapse that aachat started earlier for ${dataDir} is still running as pid ${pid} (stop it with "kill ${pid}").`;
}
