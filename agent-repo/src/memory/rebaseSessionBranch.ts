import { GitCommandError } from "../AgentRepoError.ts";
import { gitReason, runGit } from "../git/runGit.ts";

export type RebaseOutcome = { kind: "rebased" } | { kind: "conflict"; files: string[] };

/**
 * Rebases the workspace's branch onto `onto`. Merge drivers from `.gitattributes` apply
 * (`CLAUDE.md merge=union` keeps both sides' memory lines). A conflict they cannot solve
 * is aborted, leaving the branch exactly as it was.
 */
export async function rebaseSessionBranch(
  workspaceDir: string,
  onto: string,
  identity: Readonly<Record<string, string>>,
): Promise<RebaseOutcome> {
  if (await isAncestor(workspaceDir, onto, "HEAD")) return { kind: "rebased" };
  const rebase = await runGit(workspaceDir, ["rebase", "--quiet", "--no-autostash", onto], {
    allowFailure: true,
    config: identity,
  });
  if (rebase.exitCode === 0) return { kind: "rebased" };
  const conflicted = await runGit(workspaceDir, ["diff", "--name-only", "--diff-filter=U"], { allowFailure: true });
  await abortRebase(workspaceDir);
  const files = conflicted.stdout.split("\n").filter((file) => file !== "");
  if (files.length > 0) return { kind: "conflict", files };
  throw new GitCommandError(["rebase", onto], workspaceDir, rebase.exitCode, gitReason(rebase.stderr, rebase.stdout));
}

/** Whether `ancestor` is already contained in `descendant`. */
export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(dir, ["merge-base", "--is-ancestor", ancestor, descendant], { allowFailure: true });
  return result.exitCode === 0;
}

/** Ends a rebase a crashed run left half done, so the workspace is on its branch again. */
export async function abortRebase(workspaceDir: string): Promise<void> {
  await runGit(workspaceDir, ["rebase", "--abort"], { allowFailure: true });
}
