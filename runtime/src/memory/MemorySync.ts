import { MemoryPublisher, runGit } from "@aachat/agent-repo";
import type { Logger } from "pino";
import type { OwnerChannel } from "../chat/OwnerChannel.ts";

/**
 * Publishes what a session changed in the agent's repository (its memory, mostly): commits,
 * rebases onto main and pushes, one publish at a time per agent. What cannot be published
 * (a conflict git cannot merge, a push refused) is told to the owner in the agent's DM.
 */
export class MemorySync {
  readonly #publisher: MemoryPublisher;
  /** Workspaces whose last publish left something unpublished (a failed push, a conflict): tried again next time. */
  readonly #unfinished = new Set<string>();

  constructor(
    private readonly owner: OwnerChannel,
    private readonly log: Logger,
  ) {
    this.#publisher = new MemoryPublisher({ logger: log.child({ component: "memory" }) });
  }

  /** Resolves when done, whatever happened; never rejects. */
  async publish(workspace: string, message: string, key: string): Promise<void> {
    try {
      // Most turns change nothing: one `git status` says so, without the whole publishing round.
      if (!this.#unfinished.has(workspace) && (await isClean(workspace))) return;
      const result = await this.#publisher.commitAndPublish(workspace, message);
      if (result.kind === "conflict" || (result.kind === "published" && !result.pushed && result.pushError)) {
        this.#unfinished.add(workspace);
      } else this.#unfinished.delete(workspace);
      if (result.kind === "conflict") {
        // Keyed by the commit: the same conflict found again after later turns is told once.
        await this.owner.tell(`⚠️ ${result.message}`, `memory-conflict:${result.commit}`);
      } else if (result.kind === "published" && result.pushError) {
        await this.owner.tell(
          `⚠️ Memory was committed (${result.commit.slice(0, 12)}) but not pushed: ${result.pushError}. It will be pushed with the next change.`,
          `memory-push:${result.commit}`,
        );
      } else if (result.kind === "published") {
        this.log.info({ commit: result.commit, pushed: result.pushed }, "memory published");
      }
    } catch (error) {
      this.log.error({ err: error, workspace }, "could not publish memory");
      await this.owner
        .tell(`⚠️ Could not publish memory from ${workspace}: ${(error as Error).message}`, `memory-error:${key}`)
        .catch(() => undefined);
    }
  }
}

async function isClean(workspace: string): Promise<boolean> {
  const status = await runGit(workspace, ["status", "--porcelain"], { allowFailure: true });
  return status.exitCode === 0 && status.stdout.trim() === "";
}
