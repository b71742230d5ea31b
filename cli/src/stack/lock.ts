import { readFileSync, rmSync } from "node:fs";
import { link, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { commandLineOf } from "@aachat/synapse";
import { UserError } from "../errors.ts";

export interface DataDirLock {
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void;
}

const ATTEMPTS = 3;

/**
 * Holds a data directory for this process: two stacks on one directory would share its
 * databases and rewrite each other's config, registration and pid file. Take it before
 * changing anything in the directory. A lock whose holder is gone (killed) or whose pid
 * now belongs to something other than `aachat up` is taken over.
 */
export async function lockDataDir(dataDir: string, lockFile: string): Promise<DataDirLock> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createLockFile(lockFile)) return holding(lockFile);
    const content = readLock(lockFile);
    if (content === undefined) continue; // released meanwhile
    const holder = /^\d+\n$/.test(content) ? Number(content) : undefined;
    if (holder !== undefined && holder !== process.pid && (await isAachatUp(holder))) {
      throw new UserError(`aachat is already running for ${dataDir} (pid ${holder})`);
    }
    removeIfUnchanged(lockFile, content);
  }
  throw new UserError(`could not take ${lockFile}: another aachat keeps starting for ${dataDir}; try again`);
}

/** The file appears complete or not at all (a reader never sees it half written): written aside, then linked. */
async function createLockFile(lockFile: string): Promise<boolean> {
  const temp = `${lockFile}.${process.pid}.tmp`;
  await writeFile(temp, ownContent(), { mode: 0o600 });
  try {
    await link(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

function holding(lockFile: string): DataDirLock {
  const release = () => {
    process.off("exit", release);
    removeIfUnchanged(lockFile, ownContent());
  };
  // Covers an exit that skips release() (process.exit in some path); a SIGKILL leaves the lock stale instead.
  process.once("exit", release);
  return { release };
}

const ownContent = () => `${process.pid}\n`;

function readLock(lockFile: string): string | undefined {
  try {
    return readFileSync(lockFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Another start may have replaced the file since it was read: then it is not ours to remove. */
function removeIfUnchanged(lockFile: string, content: string): void {
  if (readLock(lockFile) === content) rmSync(lockFile, { force: true });
}

export async function isAachatUp(pid: number): Promise<boolean> {
  const args = await commandLineOf(pid);
  return args !== undefined && args.some((arg) => /^aachat(\.js)?$/.test(path.basename(arg))) && args.includes("up");
}
