import { spawn } from "node:child_process";
import { mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import {
  controlCall,
  ControlClosedError,
  ControlUnavailableError,
  RUNTIME_BIN,
  runtimeConfigSchema,
  readLastStop,
  runtimePaths,
  runtimesDir,
  type RuntimeConfigInput,
  type RuntimeStatus,
} from "@aachat/runtime/local";
import { UserError } from "../errors.ts";

/** How long a starting runtime may take to connect to the appservice. */
const START_TIMEOUT_MS = 45_000;
const POLL_MS = 100;
/**
 * How long a running runtime may take to answer on its control socket. It answers at once
 * when idle; on a loaded machine it can take seconds, and taking that for "not running"
 * made `agent stop` fail while the runtime was still up.
 */
const CONTROL_ANSWER_MS = 15_000;

/** The agent's runtime on this machine as it reports itself, or null when it is not running. */
export async function localStatus(name: string): Promise<RuntimeStatus | null> {
  try {
    const answer = await controlCall(runtimePaths(name).socket, { op: "status" }, CONTROL_ANSWER_MS);
    return answer.ok && "status" in answer ? answer.status : null;
  } catch (error) {
    if (error instanceof ControlUnavailableError) return null;
    throw error;
  }
}

/** Keeps the agent's runtime token on this machine (owner-only), for `aachat agent start`. */
export async function saveRuntimeToken(name: string, token: string): Promise<string> {
  const paths = runtimePaths(name);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.token, `${token}\n`, { mode: 0o600 });
  return paths.token;
}

export async function hasRuntimeToken(name: string): Promise<boolean> {
  return readFile(runtimePaths(name).token, "utf8").then(
    (text) => text.trim().length > 0,
    () => false,
  );
}

/** Forgets the agent's runtime on this machine: its token, journal, sessions and log. */
export async function deleteRuntimeState(name: string): Promise<void> {
  await rm(runtimePaths(name).dir, { recursive: true, force: true });
}

export async function writeRuntimeConfig(config: RuntimeConfigInput): Promise<void> {
  const paths = runtimePaths(config.agent);
  runtimeConfigSchema.parse(config);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Starts the agent's runtime in the background (its output goes to its log) and resolves
 * with its status once it is connected; rejects with what went wrong otherwise.
 */
export async function launchRuntime(name: string): Promise<RuntimeStatus> {
  const paths = runtimePaths(name);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const log = await open(paths.log, "a", 0o600);
  const child = spawn(process.execPath, [RUNTIME_BIN, name], {
    detached: true,
    stdio: ["ignore", log.fd, log.fd],
    env: process.env,
  });
  await log.close();
  // Set by the exit listener, which the compiler cannot see from the loop below.
  let exit = null as number | null;
  child.once("exit", (code) => (exit = code ?? 1));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const status = await localStatus(name);
    if (status?.connected) return status;
    if (status?.problem) throw new UserError(`the runtime of ${name} cannot connect: ${status.problem}`);
    if (exit !== null) {
      throw new UserError(
        `the runtime of ${name} stopped at once (exit code ${exit}):\n${await lastLines(paths.log, 8)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `the runtime of ${name} did not connect within ${START_TIMEOUT_MS / 1000} s; is the appservice running? See \`aachat agent logs ${name}\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Asks the runtime to stop (every session ended, memory published) and waits until it has. */
export async function stopLocalRuntime(
  name: string,
  options: { keepSessions?: boolean; timeoutMs?: number } = {},
): Promise<boolean> {
  const { keepSessions = false, timeoutMs = 120_000 } = options;
  try {
    await controlCall(runtimePaths(name).socket, { op: keepSessions ? "shutdown" : "stop" }, CONTROL_ANSWER_MS);
  } catch (error) {
    if (!(error instanceof ControlUnavailableError)) throw error;
    // Closed without an answer: it took the request and is on its way out, so wait for it below.
    if (!(error instanceof ControlClosedError)) return false;
  }
  const deadline = Date.now() + timeoutMs;
  while ((await localStatus(name)) !== null) {
    if (Date.now() > deadline) throw new UserError(`the runtime of ${name} did not stop within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** The agents with a runtime set up on this machine. */
export async function localRuntimeNames(): Promise<string[]> {
  const entries = await readdir(runtimesDir(), { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (
      entry.isDirectory() &&
      (await readFile(runtimePaths(entry.name).config).then(
        () => true,
        () => false,
      ))
    ) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** The agents whose runtime had sessions when it last stopped (and is not running now). */
export async function runtimesToResume(): Promise<string[]> {
  const names: string[] = [];
  for (const name of await localRuntimeNames()) {
    const stored = await readFile(runtimePaths(name).sessions, "utf8").catch(() => "");
    const sessions = (safeJson(stored) as { sessions?: unknown[] } | undefined)?.sessions ?? [];
    // A runtime displaced by another one with its token, or refused it, would only fight it or fail again.
    const stoppedForGood = (await readLastStop(runtimePaths(name))) !== null;
    if (sessions.length > 0 && !stoppedForGood && (await localStatus(name)) === null) names.push(name);
  }
  return names;
}

async function lastLines(file: string, count: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .trimEnd()
    .split("\n")
    .slice(-count)
    .map((line) => `  ${line}`)
    .join("\n");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
