import { MemoryPublisher } from "@aachat/agent-repo";
import type { Logger } from "pino";

/**
 * Publishes what a session changed in the agent's repository (its memory, mostly): commits,
 * rebases onto main and pushes, one publish at a time per agent. What cannot be published
 * (a conflict git cannot merge, a push refused) is told to the owner in the agent's DM.
 */
export class MemorySync {
  readonly #publisher: MemoryPublisher;

  constructor(
    private readonly tellOwner: (text: string, key: string) => Promise<void>,
    private readonly log: Logger,
  ) {
    this.#publisher = new MemoryPublisher({ logger: log.child({ component: "memory" }) });
  }

  /** Resolves when done, whatever happened; never rejects. */
  async publish(workspace: string, message: string, key: string): Promise<void> {
    try {
      const result = await this.#publisher.commitAndPublish(workspace, message);
      if (result.kind === "conflict") {
        await this.tellOwner(`⚠️ ${result.message}`, `memory-conflict:${key}`);
      } else if (result.kind === "published" && result.pushError) {
        await this.tellOwner(
          `⚠️ Memory was committed (${result.commit.slice(0, 12)}) but not pushed: ${result.pushError}. It will be pushed with the next change.`,
          `memory-push:${key}`,
        );
      } else if (result.kind === "published") {
        this.log.info({ commit: result.commit, pushed: result.pushed }, "memory published");
      }
    } catch (error) {
      this.log.error({ err: error, workspace }, "could not publish memory");
      await this.tellOwner(
        `⚠️ Could not publish memory from ${workspace}: ${(error as Error).message}`,
        `memory-error:${key}`,
      ).catch(() => undefined);
    }
  }
}
