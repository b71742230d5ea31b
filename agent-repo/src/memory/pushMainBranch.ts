import { gitReason, runGit } from "../git/runGit.ts";

export type PushOutcome = { kind: "pushed" } | { kind: "remote-moved" } | { kind: "failed"; reason: string };

/** Pushes `commit` as the remote's main; a push that lost a race is told apart from one that failed. */
export async function pushMainBranch(repoDir: string, mainBranch: string, commit: string): Promise<PushOutcome> {
  const push = await runGit(
    repoDir,
    ["push", "--porcelain", "--quiet", "origin", `${commit}:refs/heads/${mainBranch}`],
    {
      allowFailure: true,
    },
  );
  if (push.exitCode === 0) return { kind: "pushed" };
  const output = `${push.stdout}\n${push.stderr}`;
  // "[rejected] (fetch first|non-fast-forward)": someone pushed since our fetch; "[remote
  // rejected] ... lock": they pushed while ours was in flight. Both mean: fetch, rebase, retry.
  if (/\[rejected\]|\[remote rejected\].*lock|cannot lock ref/.test(output)) return { kind: "remote-moved" };
  return { kind: "failed", reason: gitReason(push.stderr, push.stdout) };
}
