import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import { endingWithThisProcess } from "@aachat/synapse";
import { waitUntil } from "./waits.ts";

/**
 * How to start one process of the worker topology: plain data, so that the global setup can
 * hand it to a test file that kills the process and starts it again.
 */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** stdout and stderr, appended. */
  logFile: string;
  /** Holds the pid of the latest start: teardown ends whichever process that is. */
  pidFile: string;
  /** An HTTP URL that answers 200 once the process serves, or a Redis port to PING. */
  health: { url: string } | { redisPort: number };
}

const START_TIMEOUT_MS = 180_000;
/** How long a signalled process has to end before it is SIGKILLed. */
const STOP_TIMEOUT_MS = 20_000;

/** The processes started here, by pid: their exit is an event to wait for, not a state to poll. */
const children = new Map<number, ChildProcess>();

/**
 * Starts the process (through `python`, which makes the kernel end it when this process
 * ends, even by SIGKILL) and resolves with its pid once it is healthy.
 */
export async function startProcess(spec: ProcessSpec, python: string): Promise<number> {
  const wrapped = endingWithThisProcess(python, []);
  // The wrapper execs its last argument: put the real command there instead of Python.
  const launch =
    wrapped.command === python && wrapped.args.length > 0
      ? { command: python, args: [...wrapped.args.slice(0, -1), spec.command, ...spec.args] }
      : { command: spec.command, args: spec.args };
  const out = openSync(spec.logFile, "a");
  const child = spawn(launch.command, launch.args, { cwd: spec.cwd, stdio: ["ignore", out, out] });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  children.set(pid, child);
  child.once("exit", () => children.delete(pid));
  await writeFile(spec.pidFile, `${pid}\n`);
  await waitUntil(
    `${spec.name} is healthy`,
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        const log = await readFile(spec.logFile, "utf8").catch(() => "");
        throw new Error(
          `${spec.name} exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${log.slice(-3000)}`,
        );
      }
      return isHealthy(spec.health);
    },
    START_TIMEOUT_MS,
  );
  return pid;
}

/**
 * SIGKILL (or `signal`) to the process the spec last started; resolves once it is gone, or
 * SIGKILLs it when it has not ended in time.
 */
export async function killProcess(spec: ProcessSpec, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const pid = Number((await readFile(spec.pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, signal);
  if (!(await endsInTime(spec.name, pid))) process.kill(pid, "SIGKILL");
}

/**
 * Whether the process ends within STOP_TIMEOUT_MS: told by its exit event when it was started
 * here; one started by another process (the global setup, a test file) can only be polled.
 */
async function endsInTime(name: string, pid: number): Promise<boolean> {
  const child = children.get(pid);
  if (!child) {
    return waitUntil(`${name} (pid ${pid}) has ended`, async () => !isAlive(pid), STOP_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
  }
  if (child.exitCode !== null || child.signalCode !== null) return true;
  // Unreferenced since its start: while it is awaited, it must keep this process running.
  child.ref();
  return once(child, "exit", { signal: AbortSignal.timeout(STOP_TIMEOUT_MS) }).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; /proc says whether it has really run to its end.
    return !/^State:\s+Z/m.test(readProcStatus(pid));
  } catch {
    return false;
  }
}

function readProcStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return "";
  }
}

async function isHealthy(health: ProcessSpec["health"]): Promise<boolean> {
  if ("url" in health) {
    return fetch(health.url, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
  }
  return new Promise((resolve) => {
    const socket = net.connect(health.redisPort, "127.0.0.1");
    let reply = "";
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) socket.end();
    });
    socket.on("close", () => resolve(reply.startsWith("+PONG")));
    socket.on("error", () => resolve(false));
  });
}
