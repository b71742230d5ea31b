import { realpath } from "node:fs/promises";
import path from "node:path";
import { runGit } from "./runGit.ts";
import { SerialQueue } from "./SerialQueue.ts";

// Shared by everything in the process that changes a repository's worktrees or its main,
// keyed by the repository's common git dir: git itself does not guard these against each
// other (a `worktree prune` beside a `worktree add` fails reading the half-made worktree).
const repositoryQueue = new SerialQueue();

/** Runs `task` once no other locked task is changing the repository `dir` (any of its worktrees) belongs to. */
export async function withRepositoryLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
  return repositoryQueue.run(await commonGitDir(dir), task);
}

async function commonGitDir(dir: string): Promise<string> {
  const { stdout } = await runGit(dir, ["rev-parse", "--git-common-dir"]);
  return realpath(path.resolve(dir, stdout.trim()));
}
