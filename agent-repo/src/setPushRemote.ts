import path from "node:path";
import { AgentRepoError } from "./AgentRepoError.ts";
import { resolveMainBranch } from "./git/mainBranch.ts";
import { gitReason, runGit } from "./git/runGit.ts";
import { withoutCredentials } from "./git/withoutCredentials.ts";

/**
 * Makes `url` the agent repository's `origin`, where its memory is pushed, and pushes
 * main there now so a wrong URL or missing access shows at once. On failure the
 * previous `origin` (or none) is put back.
 */
export async function setPushRemote(repoDir: string, url: string): Promise<void> {
  const repo = path.resolve(repoDir);
  const previous = await runGit(repo, ["remote", "get-url", "origin"], { allowFailure: true });
  const hadOrigin = previous.exitCode === 0;
  await runGit(repo, hadOrigin ? ["remote", "set-url", "origin", url] : ["remote", "add", "origin", url]);
  const mainBranch = await resolveMainBranch(repo);
  const push = await runGit(repo, ["push", "--quiet", "--set-upstream", "origin", `${mainBranch}:${mainBranch}`], {
    allowFailure: true,
  });
  if (push.exitCode === 0) return;
  await runGit(
    repo,
    hadOrigin ? ["remote", "set-url", "origin", previous.stdout.trim()] : ["remote", "remove", "origin"],
  );
  throw new AgentRepoError(
    `cannot push the agent repository to ${withoutCredentials(url)}: ${withoutCredentials(gitReason(push.stderr, push.stdout))}; check the URL and your access (an existing remote must be empty or hold this agent's history)`,
  );
}
