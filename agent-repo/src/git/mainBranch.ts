import { runGit } from "./runGit.ts";

/** The branch a new agent repository starts on and memory is published to. */
export const MAIN_BRANCH = "main";

/**
 * The branch sessions start from and publish to: `main`, or for a repository cloned from
 * elsewhere without one, the branch checked out in it (e.g. `master`).
 */
export async function resolveMainBranch(repoDir: string): Promise<string> {
  const main = await runGit(repoDir, ["rev-parse", "--verify", "--quiet", `refs/heads/${MAIN_BRANCH}`], {
    allowFailure: true,
  });
  if (main.exitCode === 0) return MAIN_BRANCH;
  const head = await runGit(repoDir, ["symbolic-ref", "--quiet", "--short", "HEAD"], { allowFailure: true });
  const branch = head.stdout.trim();
  return head.exitCode === 0 && branch !== "" ? branch : MAIN_BRANCH;
}
