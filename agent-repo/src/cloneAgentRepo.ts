import { lstat, rm } from "node:fs/promises";
import path from "node:path";
import { AgentRepoError, GitCommandError } from "./AgentRepoError.ts";
import { runGit } from "./git/runGit.ts";
import { withoutCredentials } from "./git/withoutCredentials.ts";

/** Cloning an agent's repository failed; nothing was left behind. */
export class CloneError extends AgentRepoError {
  override readonly name: string = "CloneError";
}

/**
 * Clones an agent repository (a URL or a local path) into `dest`, which must not exist.
 * On failure the partial clone is removed.
 */
export async function cloneAgentRepo(url: string, dest: string): Promise<{ dir: string }> {
  const target = path.resolve(dest);
  if (await exists(target)) {
    throw new CloneError(`cannot clone into ${target}: it already exists; choose a new directory or remove it first`);
  }
  try {
    // "--" keeps a URL that starts with '-' from being read as an option.
    // From the caller's directory, so a relative local path means what the user typed.
    await runGit(process.cwd(), ["clone", "--quiet", "--", url, target]);
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    if (error instanceof GitCommandError) {
      const reason = withoutCredentials(error.reason);
      throw new CloneError(`cannot clone ${withoutCredentials(url)}: ${reason}; check the URL and your access`);
    }
    throw error;
  }
  return { dir: target };
}

async function exists(target: string): Promise<boolean> {
  return lstat(target).then(
    () => true,
    () => false,
  );
}
