import path from "node:path";
import { AgentRepoError } from "../AgentRepoError.ts";
import { resolveMainBranch } from "../git/mainBranch.ts";
import { withRepositoryLock } from "../git/repositoryLock.ts";
import { runGit } from "../git/runGit.ts";
import { findWorktree, listWorktrees } from "./listWorktrees.ts";
import { workspaceLocation } from "./workspacePaths.ts";

export interface RemoveWorkspaceOptions {
  /** Remove the worktree even when it has changes not committed (they are lost). */
  discardChanges?: boolean;
}

export interface RemovedWorkspace {
  /** The session branch is kept when it holds commits that are not on main, so no memory is lost. */
  branchKept: boolean;
}

/** Removes a session's worktree and, once everything on it is on main, its branch. */
export async function removeWorkspace(
  repoDir: string,
  sessionId: string,
  options: RemoveWorkspaceOptions = {},
): Promise<RemovedWorkspace> {
  const repo = path.resolve(repoDir);
  return withRepositoryLock(repo, () => removeWorktree(repo, sessionId, options));
}

async function removeWorktree(
  repo: string,
  sessionId: string,
  options: RemoveWorkspaceOptions,
): Promise<RemovedWorkspace> {
  const location = workspaceLocation(repo, sessionId);
  const worktree = findWorktree(await listWorktrees(repo), location.dir);
  if (worktree) {
    if (!options.discardChanges) await refuseUncommittedChanges(worktree.dir, sessionId);
    await runGit(repo, ["worktree", "remove", "--force", worktree.dir]);
  }
  await runGit(repo, ["worktree", "prune"]);
  const branchRef = `refs/heads/${location.branch}`;
  const branchExists =
    (await runGit(repo, ["rev-parse", "--verify", "--quiet", branchRef], { allowFailure: true })).exitCode === 0;
  if (!branchExists) return { branchKept: false };
  const mainBranch = await resolveMainBranch(repo);
  const merged =
    (await runGit(repo, ["merge-base", "--is-ancestor", branchRef, `refs/heads/${mainBranch}`], { allowFailure: true }))
      .exitCode === 0;
  if (!merged) return { branchKept: true };
  await runGit(repo, ["branch", "--quiet", "-D", location.branch]);
  return { branchKept: false };
}

async function refuseUncommittedChanges(dir: string, sessionId: string): Promise<void> {
  const status = await runGit(dir, ["status", "--porcelain"]);
  if (status.stdout.trim() !== "") {
    throw new AgentRepoError(
      `the workspace of session ${sessionId} (${dir}) has changes not committed; publish them with MemoryPublisher.commitAndPublish first, or pass { discardChanges: true }`,
    );
  }
}
