import { execFile } from "node:child_process";

export interface ProbeResult {
  exitCode: number;
  stdout: string;
}

// A package check must never hold up a session start for long.
const PROBE_TIMEOUT_MS = 20_000;

/** Runs a read-only check command; a command that cannot run counts as a failed check. */
export function runProbe(command: string, args: readonly string[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        timeout: PROBE_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
        env: { ...process.env, LC_ALL: "C" },
      },
      (error, stdout) => {
        const exitCode = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ exitCode, stdout });
      },
    );
  });
}
