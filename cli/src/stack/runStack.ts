import { mkdir } from "node:fs/promises";
import { createLogger, start, type RunningAppservice } from "@aachat/appservice";
import {
  ensureSynapseConfig,
  ensureSynapseInstalled,
  findPython,
  isPortFree,
  startSynapse,
  stopLeftoverSynapses,
  type RunningSynapse,
} from "@aachat/synapse";
import { UserError } from "../errors.ts";
import { progress } from "../output.ts";
import { ensureFirstAdmin, type AdminUserResult } from "./adminUser.ts";
import { forgetRunningStack, recordRunningStack } from "./localStack.ts";
import { lockDataDir } from "./lock.ts";
import { resolveDataDir, stackPaths, type StackPaths } from "./paths.ts";
import { prepareRegistration, prepareStackConfig, synapseSettingsOf } from "./stackConfig.ts";
import { stopRequested } from "./stopSignal.ts";
import { parsePort } from "../commands/options.ts";
import { releaseYoungGeneration } from "../youngGeneration.ts";

export interface UpOptions {
  dataDir?: string;
  serverName?: string;
  port?: number;
  synapsePort?: number;
}

/** Runs the embedded stack until Ctrl-C; resolves with the exit code. */
export async function up(options: UpOptions): Promise<number> {
  const paths = stackPaths(resolveDataDir(options.dataDir));
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(paths.root, paths.lock);
  try {
    return await runStack(paths, options);
  } finally {
    await forgetRunningStack(paths);
    lock.release();
  }
}

async function runStack(paths: StackPaths, options: UpOptions): Promise<number> {
  const { config, created } = await prepareStackConfig(paths, {
    serverName: options.serverName ?? process.env.AACHAT_SERVER_NAME,
    appservicePort: options.port ?? envPort("AACHAT_PORT"),
    synapsePort: options.synapsePort ?? envPort("AACHAT_SYNAPSE_PORT"),
  });
  const log = createLogger({ name: "aachat", level: config.logging.level, format: config.logging.format });
  progress(`${created ? "Created" : "Using"} data directory ${paths.root}`);

  // Holding the directory, a Synapse still running on it can only be left over from a start that was killed.
  for (const pid of await stopLeftoverSynapses(paths.synapseDir, log)) {
    progress(`Stopped Synapse (pid ${pid}), left running by an earlier aachat up.`);
  }

  const synapseListener = synapseSettingsOf(config);
  for (const [host, port, what, key] of [
    [synapseListener.bindAddress, synapseListener.port, "Synapse", "--synapse-port"],
    [config.appservice.bindAddress, config.appservice.port, "the appservice", "--port"],
  ] as const) {
    // Not this data directory's stack (the lock and the leftover check above rule that out): another program.
    if (!(await isPortFree(host, port))) {
      throw new UserError(
        `port ${host}:${port} for ${what} is in use by another program: stop it, or choose another port with ${key}`,
      );
    }
  }

  const python = await findPython();
  const { python: venvPython } = await ensureSynapseInstalled({ logger: log, onProgress: progress });
  log.debug({ python: python.path, venvPython }, "python ready");
  const registration = await prepareRegistration(config);
  const synapseOptions = {
    dataDir: paths.synapseDir,
    serverName: config.homeserver.serverName,
    bindAddress: synapseListener.bindAddress,
    port: synapseListener.port,
    appserviceRegistrationFiles: [config.appservice.registrationFile],
  };
  const synapseConfig = await ensureSynapseConfig(venvPython, synapseOptions, log);

  progress("Starting Synapse…");
  const synapse = await startSynapse(venvPython, synapseOptions, log);
  let appservice: RunningAppservice | undefined;
  let stopSignal: Promise<string>;
  try {
    progress("Starting the appservice…");
    appservice = await start({ config, registration, log: log.child({ part: "appservice" }) }).finally(
      releaseYoungGeneration,
    );
    const admin = await ensureFirstAdmin({
      credentialsFile: paths.adminCredentials,
      homeserverUrl: synapse.url,
      sharedSecret: synapseConfig.registrationSharedSecret,
    });
    // Listening before saying "up": a Ctrl-C right after it must stop the stack cleanly, not kill it.
    stopSignal = stopRequested();
    printReady(synapse.url, config.homeserver.serverName, appservice.url, admin, paths.adminCredentials);
    await recordRunningStack(paths, { homeserverUrl: synapse.url, serverUrl: config.appservice.url });
    // The agents' runtimes that had sessions when they stopped come back too (they are not stopped with the stack).
    const { resumeRuntimes } = await import("../commands/agentRuntime.ts");
    await resumeRuntimes();
  } catch (error) {
    await appservice?.close();
    await synapse.stop();
    throw error;
  }
  return runUntilStopped(synapse, appservice, stopSignal, () => startSynapse(venvPython, synapseOptions, log));
}

/** A Synapse that dies this often within the window is not restarted again: something is wrong with it. */
const SYNAPSE_RESTARTS = 3;
const SYNAPSE_RESTART_WINDOW_MS = 60_000;

/**
 * Waits for Ctrl-C (or SIGTERM), then stops everything it started. A Synapse that dies on
 * its own is started again while the appservice keeps running (its queues wait for the
 * homeserver), unless it keeps dying.
 */
async function runUntilStopped(
  firstSynapse: RunningSynapse,
  appservice: RunningAppservice,
  stopSignal: Promise<string>,
  restartSynapse: () => Promise<RunningSynapse>,
): Promise<number> {
  let synapse = firstSynapse;
  const deaths: number[] = [];
  let exitCode = 0;
  for (;;) {
    const outcome = await Promise.race([
      stopSignal.then((signal) => ({ kind: "signal" as const, signal })),
      synapse.exited.then((code) => ({ kind: "synapse-exited" as const, code })),
    ]);
    if (outcome.kind === "signal") {
      progress(`\nStopping (${outcome.signal})…`);
      break;
    }
    const now = Date.now();
    deaths.push(now);
    const recent = deaths.filter((at) => now - at < SYNAPSE_RESTART_WINDOW_MS).length;
    if (recent > SYNAPSE_RESTARTS) {
      progress(`\nSynapse exited again (code ${outcome.code}); see ${synapse.logPath}. Stopping…`);
      exitCode = 1;
      break;
    }
    progress(`\nSynapse exited unexpectedly (code ${outcome.code}); see ${synapse.logPath}. Starting it again…`);
    try {
      synapse = await restartSynapse();
      progress("Synapse is back.");
      // What Synapse had queued for us in memory when it died is read back from the rooms. The
      // appservice may have started that already (its sender's connection closed): this call
      // then shares that run, or queues one more right after it, never a second one beside it.
      await appservice.catchUp();
    } catch (error) {
      progress(`Synapse could not start again: ${(error as Error).message}. Stopping…`);
      exitCode = 1;
      break;
    }
  }
  await appservice.close();
  await synapse.stop();
  progress("Stopped.");
  return exitCode;
}

function printReady(
  homeserverUrl: string,
  serverName: string,
  appserviceUrl: string,
  admin: AdminUserResult,
  credentialsFile: string,
): void {
  const login =
    admin.kind === "created"
      ? `  user:      ${admin.credentials.username}   password: ${admin.credentials.password}   (saved in ${credentialsFile})`
      : admin.kind === "known"
        ? `  user:      ${admin.credentials.username}   (password in ${credentialsFile})`
        : `  user:      ${admin.username} already exists on this homeserver; use its password`;
  process.stdout.write(
    [
      "",
      "aachat is up.",
      `  homeserver: ${homeserverUrl}   (server name: ${serverName})`,
      `  console:    ${appserviceUrl}/`,
      `  appservice: ${appserviceUrl}   (HTTP API: /api/v1, runtimes: /runtime/v1/socket)`,
      login,
      "",
      "Log in with Element or any Matrix client: choose 'other homeserver', enter the",
      `homeserver URL above, then the user and password. Invite @aachat:${serverName} to a room to bring in the bot.`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

function envPort(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined ? undefined : parsePort(value);
}
