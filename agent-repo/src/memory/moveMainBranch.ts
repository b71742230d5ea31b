import { gitReason, runGit } from "../git/runGit.ts";
import { listWorktrees } from "../workspace/listWorktrees.ts";
import { MemoryPublishError } from "./MemoryPublishError.ts";

export type MoveOutcome = "moved" | "main-changed-meanwhile";

/**
 * Points the main branch at `newCommit`, if it still is at `expected`. Where main is
 * checked out (usually the agent repository itself), `reset --keep` also updates its
 * files and refuses rather than overwrite the owner's uncommitted edits.
 */
export async function moveMainBranch(
  repoDir: string,
  mainBranch: string,
  expected: string,
  newCommit: string,
  sessionBranch: string,
): Promise<MoveOutcome> {
  if (expected === newCommit) return "moved";
  const ref = `refs/heads/${mainBranch}`;
  const current = (await runGit(repoDir, ["rev-parse", "--verify", ref])).stdout.trim();
  if (current !== expected) return "main-changed-meanwhile";
  const checkedOut = (await listWorktrees(repoDir)).find((worktree) => worktree.branch === ref);
  if (!checkedOut) {
    const update = await runGit(repoDir, ["update-ref", ref, newCommit, expected], { allowFailure: true });
    return update.exitCode === 0 ? "moved" : "main-changed-meanwhile";
  }
  // Stale file timestamps in the index (a copied or touched checkout) would read as edits.
  await runGit(checkedOut.dir, ["update-index", "-q", "--refresh"], { allowFailure: true });
  const reset = await runGit(checkedOut.dir, ["reset", "--quiet", "--keep", newCommit], { allowFailure: true });
  if (reset.exitCode !== 0) {
    throw new MemoryPublishError(
      `cannot move ${mainBranch} in ${checkedOut.dir} to the new memory commit: ${gitReason(reset.stderr, reset.stdout)}; commit or stash the changes there and publish again (the session's commits are safe on ${sessionBranch})`,
    );
  }
  return "moved";
}
