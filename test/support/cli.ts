import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const AACHAT_BIN = fileURLToPath(new URL("../../cli/bin/aachat.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `aachat` CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  return finished(child.process).then((code) => ({ code, stdout: child.stdout(), stderr: child.stderr() }));
}

export interface CliProcess {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has shown `text`; rejects if the process ends first or after the timeout. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [AACHAT_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = finished(child);
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput: (text, timeoutMs = 180_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stdout.includes(text)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for "${text}" from aachat ${args.join(" ")}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        const onExit = (code: number | null) => {
          cleanup();
          reject(
            new Error(
              `aachat ${args.join(" ")} exited (${code}) before printing "${text}"\nstdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.off("exit", onExit);
        };
        child.stdout.on("data", check);
        child.once("exit", onExit);
        check();
      }),
    stop: (signal = "SIGINT") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

function finished(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
