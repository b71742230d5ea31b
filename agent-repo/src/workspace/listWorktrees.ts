import { realpathSync } from "node:fs";
import path from "node:path";
import { runGit } from "../git/runGit.ts";

export interface Worktree {
  dir: string;
  /** `refs/heads/<name>`, or undefined when detached. */
  branch?: string;
}

/** The repository's worktrees, the main one first (`git worktree list --porcelain`). */
export async function listWorktrees(repoDir: string): Promise<Worktree[]> {
  const { stdout } = await runGit(repoDir, ["worktree", "list", "--porcelain"]);
  const worktrees: Worktree[] = [];
  for (const field of stdout.split("\n")) {
    if (field.startsWith("worktree ")) worktrees.push({ dir: field.slice("worktree ".length) });
    else if (field.startsWith("branch ")) {
      const current = worktrees.at(-1);
      if (current) current.branch = field.slice("branch ".length);
    }
  }
  return worktrees;
}

/** The worktree at `dir`, comparing real paths (git reports them resolved, e.g. /private/tmp on macOS). */
export function findWorktree(worktrees: readonly Worktree[], dir: string): Worktree | undefined {
  const wanted = realPathOrSelf(dir);
  return worktrees.find((worktree) => realPathOrSelf(worktree.dir) === wanted);
}

function realPathOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
