import AsyncLock from "async-lock";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { runGit } from "./runGit.ts";

// Shared by everything in the process that changes a repository's worktrees or its main,
// keyed by the repository's common git dir: git itself does not guard these against each
// other (a `worktree prune` beside a `worktree add` fails reading the half-made worktree).
// A task starts once the one before it has settled, whatever its outcome; no bound on how
// many wait, as sessions of one agent all queue on the same repository.
const repositoryLock = new AsyncLock({ maxPending: Infinity });

/** Runs `task` once no other locked task is changing the repository `dir` (any of its worktrees) belongs to. */
export async function withRepositoryLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
  return repositoryLock.acquire(await commonGitDir(dir), () => task());
}

async function commonGitDir(dir: string): Promise<string> {
  const { stdout } = await runGit(dir, ["rev-parse", "--git-common-dir"]);
  return realpath(path.resolve(dir, stdout.trim()));
}
