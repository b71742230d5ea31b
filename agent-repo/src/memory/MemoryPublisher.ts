import path from "node:path";
import type { Logger } from "pino";
import { fallbackIdentityConfig } from "../git/gitIdentity.ts";
import { resolveMainBranch } from "../git/mainBranch.ts";
import { withRepositoryLock } from "../git/repositoryLock.ts";
import { gitReason, runGit } from "../git/runGit.ts";
import { listWorktrees } from "../workspace/listWorktrees.ts";
import { moveMainBranch } from "./moveMainBranch.ts";
import type { PublishResult } from "./PublishResult.ts";
import { pushMainBranch } from "./pushMainBranch.ts";
import { abortRebase, isAncestor, rebaseSessionBranch } from "./rebaseSessionBranch.ts";

export interface MemoryPublisherOptions {
  logger?: Logger;
  /** How often to fetch, rebase and push again when others keep pushing meanwhile. */
  maxPushAttempts?: number;
}

interface IntegrationTarget {
  workspace: string;
  /** The agent repository's main worktree. */
  repoDir: string;
  mainBranch: string;
  identity: Readonly<Record<string, string>>;
  hasOrigin: boolean;
  sessionBranch: string;
}

/**
 * Commits a session's changes (its memory, mostly) and integrates them into the agent
 * repository's main and its `origin`, one publish at a time per agent repository.
 */
export class MemoryPublisher {
  readonly #logger: Logger | undefined;
  readonly #maxPushAttempts: number;

  constructor(options: MemoryPublisherOptions = {}) {
    this.#logger = options.logger;
    this.#maxPushAttempts = options.maxPushAttempts ?? 5;
  }

  /**
   * Commits everything changed in the workspace with `message` (e.g. "Memory: session s1
   * after turn 3"), rebases it onto main (and origin's main), moves main forward and
   * pushes. Never loses either side: a conflict leaves main as it was and the commit on
   * the session branch.
   */
  async commitAndPublish(workspaceDir: string, message: string): Promise<PublishResult> {
    const workspace = path.resolve(workspaceDir);
    // Even two publishers for one agent never integrate into its main at the same time.
    return withRepositoryLock(workspace, () => this.#publish(workspace, message));
  }

  async #publish(workspace: string, message: string): Promise<PublishResult> {
    const repoDir = (await listWorktrees(workspace))[0]?.dir ?? workspace;
    const [mainBranch, identity, hasOrigin] = await Promise.all([
      resolveMainBranch(repoDir),
      fallbackIdentityConfig(repoDir),
      hasOriginRemote(repoDir),
    ]);
    await abortRebase(workspace);
    const committed = await commitChanges(workspace, message, identity);
    if (!committed && !(await hasUnpublishedCommits(workspace, mainBranch, hasOrigin))) {
      return { kind: "nothing-to-commit" };
    }
    const target: IntegrationTarget = {
      workspace,
      repoDir,
      mainBranch,
      identity,
      hasOrigin,
      sessionBranch: await currentBranch(workspace),
    };
    for (let attempt = 1; attempt <= this.#maxPushAttempts; attempt++) {
      const outcome = await this.#integrateOnce(target);
      if (outcome !== "retry") return outcome;
      this.#logger?.debug({ workspace, attempt }, "push lost a race; fetching and rebasing again");
    }
    return this.#unpushed(
      await revParse(workspace, "HEAD"),
      `${mainBranch} kept changing while publishing (${this.#maxPushAttempts} attempts); publish again later`,
    );
  }

  /** One round of rebase, move main, push; "retry" when someone else moved main meanwhile. */
  async #integrateOnce(target: IntegrationTarget): Promise<PublishResult | "retry"> {
    const { workspace, repoDir, mainBranch, identity, hasOrigin, sessionBranch } = target;
    const mainBefore = await revParse(workspace, `refs/heads/${mainBranch}`);
    const ontoMain = await rebaseSessionBranch(workspace, `refs/heads/${mainBranch}`, identity);
    if (ontoMain.kind === "conflict") return conflict(target, mainBranch, ontoMain.files);
    const fetchError = hasOrigin ? await fetchOriginMain(workspace, mainBranch) : undefined;
    if (hasOrigin && fetchError === undefined && (await refExists(workspace, `refs/remotes/origin/${mainBranch}`))) {
      const ontoOrigin = await rebaseSessionBranch(workspace, `refs/remotes/origin/${mainBranch}`, identity);
      if (ontoOrigin.kind === "conflict") return conflict(target, `origin/${mainBranch}`, ontoOrigin.files);
    }
    const commit = await revParse(workspace, "HEAD");
    const moved = await moveMainBranch(repoDir, mainBranch, mainBefore, commit, sessionBranch);
    if (moved === "main-changed-meanwhile") return "retry";
    if (!hasOrigin) return { kind: "published", commit, pushed: false };
    if (fetchError !== undefined) return this.#unpushed(commit, fetchError);
    const push = await pushMainBranch(workspace, mainBranch, commit);
    if (push.kind === "remote-moved") return "retry";
    if (push.kind === "failed") return this.#unpushed(commit, push.reason);
    this.#logger?.info({ workspace, commit }, "memory published and pushed");
    return { kind: "published", commit, pushed: true };
  }

  #unpushed(commit: string, reason: string): PublishResult {
    this.#logger?.warn({ commit, reason }, "memory committed to main but not pushed");
    return { kind: "published", commit, pushed: false, pushError: reason };
  }
}

async function commitChanges(workspace: string, message: string, identity: Record<string, string>): Promise<boolean> {
  const status = await runGit(workspace, ["status", "--porcelain"]);
  if (status.stdout.trim() === "") return false;
  await runGit(workspace, ["add", "--all"]);
  await runGit(workspace, ["commit", "--quiet", "-m", message], { config: identity });
  return true;
}

/** Commits of the session, or of main, that have not reached main or origin yet (e.g. after a failed push). */
async function hasUnpublishedCommits(workspace: string, mainBranch: string, hasOrigin: boolean): Promise<boolean> {
  if (!(await isAncestor(workspace, "HEAD", `refs/heads/${mainBranch}`))) return true;
  const originMain = `refs/remotes/origin/${mainBranch}`;
  return (
    hasOrigin &&
    (await refExists(workspace, originMain)) &&
    !(await isAncestor(workspace, `refs/heads/${mainBranch}`, originMain))
  );
}

/** Undefined when fetched, else git's reason (offline, no access). */
async function fetchOriginMain(workspace: string, mainBranch: string): Promise<string | undefined> {
  const fetch = await runGit(
    workspace,
    ["fetch", "--quiet", "origin", `+refs/heads/${mainBranch}:refs/remotes/origin/${mainBranch}`],
    { allowFailure: true },
  );
  if (fetch.exitCode === 0) return undefined;
  // A new, empty remote has no main yet: the first push creates it.
  if (/couldn't find remote ref/i.test(fetch.stderr)) return undefined;
  return gitReason(fetch.stderr, fetch.stdout);
}

async function conflict(target: IntegrationTarget, onto: string, files: string[]): Promise<PublishResult> {
  const { workspace, repoDir, sessionBranch: branch } = target;
  const commit = await revParse(workspace, "HEAD");
  return {
    kind: "conflict",
    files,
    branch,
    commit,
    message:
      `Memory not published: this session and ${onto} both changed ${files.join(", ")} in ways git cannot merge. ` +
      `Nothing is lost: the session's commit ${commit.slice(0, 12)} stays on branch ${branch}, and ${onto} is unchanged. ` +
      `To combine them, run \`git merge ${branch}\` in ${repoDir}, resolve the conflict and push.`,
  };
}

async function hasOriginRemote(repoDir: string): Promise<boolean> {
  return (await runGit(repoDir, ["remote", "get-url", "origin"], { allowFailure: true })).exitCode === 0;
}

async function currentBranch(workspace: string): Promise<string> {
  const result = await runGit(workspace, ["symbolic-ref", "--quiet", "--short", "HEAD"], { allowFailure: true });
  return result.exitCode === 0 ? result.stdout.trim() : await revParse(workspace, "HEAD");
}

async function refExists(dir: string, ref: string): Promise<boolean> {
  return (await runGit(dir, ["rev-parse", "--verify", "--quiet", ref], { allowFailure: true })).exitCode === 0;
}

async function revParse(dir: string, ref: string): Promise<string> {
  return (await runGit(dir, ["rev-parse", "--verify", ref])).stdout.trim();
}
