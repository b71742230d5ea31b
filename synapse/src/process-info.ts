import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

/**
 * The arguments a running process was started with, or undefined when there is no such
 * process (or it can't be read). A zombie has none: it counts as gone. Linux reads
 * /proc; elsewhere `ps` gives one line, split on spaces (a path with spaces then simply
 * fails to match, which errs towards "not ours").
 */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (process.platform === "linux") {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
    return raw?.split("\0").filter((arg) => arg !== "");
  }
  return new Promise((resolve) => {
    execFile("ps", ["-o", "command=", "-p", String(pid)], (error, stdout) => {
      const line = stdout.trim();
      resolve(error || line === "" ? undefined : line.split(/\s+/));
    });
  });
}

/** The pid written in a pid or lock file, or undefined if the file is missing or holds something else. */
export async function readPidFile(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined || !/^\d+\s*$/.test(text)) return undefined;
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
