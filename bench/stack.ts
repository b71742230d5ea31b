import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import YAML from "yaml";
import {
  generateRegistration,
  loadRegistration,
  writeRegistration,
  type AppserviceConfigInput,
} from "@aachat/appservice";
import {
  ensureSynapseConfig,
  ensureSynapseInstalled,
  findFreePort,
  startSynapse,
  type RunningSynapse,
} from "@aachat/synapse";
import { startWorkerTopology } from "../test/support/workerTopology.ts";

const AACHAT_BIN = fileURLToPath(new URL("../cli/bin/aachat.js", import.meta.url));
const SERVER_NAME = "localhost";
const HEALTH_TIMEOUT_MS = 60_000;
const HEALTH_POLL_MS = 25;
const APPSERVICE_STOP_GRACE_MS = 15_000;

export interface StackOptions {
  log: Logger;
  /** Run the appservice with --cpu-prof; the profile is written when it stops. */
  cpuProfile: boolean;
  /** Keep the temporary directory (databases, logs) after the run. */
  keepDir: boolean;
}

export interface Stack {
  readonly workDir: string;
  readonly serverName: string;
  readonly homeserverUrl: string;
  readonly registrationSharedSecret: string;
  readonly appserviceUrl: string;
  readonly hsToken: string;
  readonly appservicePid: number;
  readonly appserviceLogPath: string;
  /** Runs `work`, failing at once (with the end of the appservice's log) if the appservice exits meanwhile. */
  whileAppserviceRuns<T>(work: Promise<T>): Promise<T>;
  /** Stops the appservice (SIGINT, so it closes cleanly and writes its CPU profile); returns the profile's path. */
  stopAppservice(): Promise<string | undefined>;
}

/** The embedded stack: the appservice on SQLite, whose file the bench reads directly. */
export interface SqliteStack extends Stack {
  readonly sqliteFile: string;
}

type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];
let exitHooks: (() => void)[] = [];

let tearingDown: Promise<void> | undefined;

/**
 * Stops everything startStack started, newest first. Every call gets the same promise, so
 * a signal handler and the main flow can both await it; a failing step is logged and the
 * rest still run.
 */
export function teardown(log: Logger): Promise<void> {
  tearingDown ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log.warn({ err: error }, "bench clean-up step failed"));
    }
    exitHooks = [];
  })();
  return tearingDown;
}

// Last resort when the bench ends without teardown (e.g. process.exit from a second Ctrl-C).
process.once("exit", () => {
  for (const hook of exitHooks) hook();
});

/** Synapse (test mode, free ports), a fresh registration and the appservice as its own process, on SQLite. */
export async function startStack(options: StackOptions): Promise<SqliteStack> {
  const { log } = options;
  const workDir = await scratchDir(options.keepDir, log, "aachat-bench-");
  const [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
  const appserviceUrl = `http://127.0.0.1:${appservicePort}`;
  const registrationFile = path.join(workDir, "registration.yaml");
  const registration = generateRegistration({ url: appserviceUrl, serverName: SERVER_NAME });
  await writeRegistration(registrationFile, registration);

  const { python } = await ensureSynapseInstalled({
    logger: log,
    onProgress: (message) => log.info(message),
  });
  const synapseOptions = {
    dataDir: path.join(workDir, "synapse"),
    serverName: SERVER_NAME,
    bindAddress: "127.0.0.1",
    port: synapsePort,
    appserviceRegistrationFiles: [registrationFile],
    testMode: true,
  };
  const synapseConfig = await ensureSynapseConfig(python, synapseOptions, log);
  const synapse: RunningSynapse = await startSynapse(python, synapseOptions, log);
  cleanups.push(() => synapse.stop());

  const sqliteFile = path.join(workDir, "aachat.db");
  const appservice = await startAppservice(options, {
    workDir,
    homeserverUrl: synapse.url,
    appservicePort,
    registrationFile,
    database: { sqliteFile },
  });
  log.info({ homeserver: synapse.url, appservice: appserviceUrl, workDir }, "stack is up");
  return {
    workDir,
    serverName: SERVER_NAME,
    homeserverUrl: synapse.url,
    registrationSharedSecret: synapseConfig.registrationSharedSecret,
    hsToken: registration.hs_token,
    sqliteFile,
    ...appservice,
  };
}

/**
 * Synapse split into workers behind nginx, with PostgreSQL and Redis (the topology the
 * workers tests run, test/support/workerTopology.ts), and the appservice on PostgreSQL
 * against it, as its own process.
 */
export async function startWorkersStack(options: StackOptions): Promise<Stack> {
  const { log } = options;
  const topology = await startWorkerTopology(log);
  cleanups.push(() => topology.stop());
  const { stack } = topology;
  const databaseUrl = await topology.postgres.createDatabase("aachat_bench");
  const registration = await loadRegistration(stack.registrationFile);
  const appservice = await startAppservice(options, {
    workDir: stack.workDir,
    homeserverUrl: stack.homeserverUrl,
    appservicePort: stack.appservicePort,
    registrationFile: stack.registrationFile,
    database: { url: databaseUrl },
  });
  log.info({ homeserver: stack.homeserverUrl, appservice: appservice.appserviceUrl }, "workers stack is up");
  return {
    workDir: stack.workDir,
    serverName: stack.serverName,
    homeserverUrl: stack.homeserverUrl,
    registrationSharedSecret: stack.registrationSharedSecret,
    hsToken: registration.hs_token,
    ...appservice,
  };
}

async function scratchDir(keep: boolean, log: Logger, prefix: string): Promise<string> {
  const workDir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(async () => {
    if (keep) log.info({ workDir }, "bench data kept");
    else await rm(workDir, { recursive: true, force: true });
  });
  if (!keep) exitHooks.push(() => rmSync(workDir, { recursive: true, force: true }));
  return workDir;
}

interface AppserviceTarget {
  workDir: string;
  homeserverUrl: string;
  appservicePort: number;
  registrationFile: string;
  database: AppserviceConfigInput["database"];
}

type RunningAppservice = Pick<
  Stack,
  "appserviceUrl" | "appservicePid" | "appserviceLogPath" | "whileAppserviceRuns" | "stopAppservice"
>;

/** The appservice as its own process (`aachat appservice`), once it answers /health. */
async function startAppservice(options: StackOptions, target: AppserviceTarget): Promise<RunningAppservice> {
  const { log } = options;
  const { workDir } = target;
  const appserviceUrl = `http://127.0.0.1:${target.appservicePort}`;
  const configFile = path.join(workDir, "aachat.yaml");
  const config: AppserviceConfigInput = {
    homeserver: { url: target.homeserverUrl, serverName: SERVER_NAME },
    appservice: {
      bindAddress: "127.0.0.1",
      port: target.appservicePort,
      url: appserviceUrl,
      registrationFile: target.registrationFile,
    },
    database: target.database,
    // The production default level; JSON because its output goes to a file.
    logging: { level: "info", format: "json" },
  };
  await writeFile(configFile, YAML.stringify(config));

  const profileDir = path.join(workDir, "cpu-profile");
  const appserviceLogPath = path.join(workDir, "appservice.log");
  const logFd = openSync(appserviceLogPath, "a");
  let child: ChildProcess;
  try {
    const nodeFlags = options.cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
    child = spawn(process.execPath, [...nodeFlags, AACHAT_BIN, "appservice", "-c", configFile], {
      stdio: ["ignore", logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stopping = false;
  const killHook = () => child.kill("SIGKILL");
  exitHooks.push(killHook);
  const stopAppservice = async (): Promise<string | undefined> => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      const gaveUp = await Promise.race([
        exited.then(() => false),
        sleep(APPSERVICE_STOP_GRACE_MS, true, { ref: false }),
      ]);
      if (gaveUp) {
        log.warn("the appservice did not stop within 15 s of SIGINT; sending SIGKILL");
        child.kill("SIGKILL");
      }
    }
    await exited;
    exitHooks = exitHooks.filter((hook) => hook !== killHook);
    if (!options.cpuProfile) return undefined;
    const files = await readdir(profileDir).catch(() => []);
    const profile = files.find((file) => file.endsWith(".cpuprofile"));
    return profile === undefined ? undefined : path.join(profileDir, profile);
  };
  cleanups.push(async () => void (await stopAppservice()));

  const died = () =>
    new Error(
      `the appservice process exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}); ` +
        `end of ${appserviceLogPath}:\n${tail(appserviceLogPath, 20)}`,
    );
  const whileAppserviceRuns = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([
      work,
      exited.then((): never => {
        if (stopping) throw new Error("the appservice was stopped");
        throw died();
      }),
    ]);

  const pid = child.pid;
  if (pid === undefined) throw died();
  log.info({ pid, appserviceUrl }, "appservice process started; waiting for /health");
  await whileAppserviceRuns(waitForHealth(appserviceUrl));
  return { appserviceUrl, appservicePid: pid, appserviceLogPath, whileAppserviceRuns, stopAppservice };
}

/** Polls GET /health until it answers 200 (the condition), bounded by HEALTH_TIMEOUT_MS. */
async function waitForHealth(baseUrl: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = String(error);
    }
    await sleep(HEALTH_POLL_MS);
  }
  throw new Error(`the appservice did not answer ${baseUrl}/health within ${HEALTH_TIMEOUT_MS} ms (${lastProblem})`);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
