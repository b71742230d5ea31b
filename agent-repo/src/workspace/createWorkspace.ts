import { mkdir } from "node:fs/promises";
import path from "node:path";
import { resolveMainBranch } from "../git/mainBranch.ts";
import { withRepositoryLock } from "../git/repositoryLock.ts";
import { runGit } from "../git/runGit.ts";
import { findWorktree, listWorktrees } from "./listWorktrees.ts";
import { workspaceLocation } from "./workspacePaths.ts";
import type { WorkspaceLocation } from "./workspacePaths.ts";

/**
 * A git worktree of the agent repository for one session, on its own branch
 * `aachat/session/<id>` from the current main, so sessions never write over each other.
 * Calling it again for the same session returns the existing workspace (a resumed
 * session keeps its work); a branch left from an earlier run is checked out again, never
 * reset, since it may hold commits not yet published.
 */
export async function createWorkspace(repoDir: string, sessionId: string): Promise<WorkspaceLocation> {
  const repo = path.resolve(repoDir);
  return withRepositoryLock(repo, () => addWorktree(repo, workspaceLocation(repo, sessionId)));
}

async function addWorktree(repo: string, location: WorkspaceLocation): Promise<WorkspaceLocation> {
  const existing = findWorktree(await listWorktrees(repo), location.dir);
  if (existing) return location;
  // Forget worktrees whose directories were deleted by hand, so their branches can be checked out again.
  await runGit(repo, ["worktree", "prune"]);
  await mkdir(path.dirname(location.dir), { recursive: true });
  const branchExists =
    (await runGit(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${location.branch}`], { allowFailure: true }))
      .exitCode === 0;
  const args = branchExists
    ? ["worktree", "add", "--quiet", location.dir, location.branch]
    : ["worktree", "add", "--quiet", "-b", location.branch, location.dir, await resolveMainBranch(repo)];
  await runGit(repo, args);
  return location;
}
