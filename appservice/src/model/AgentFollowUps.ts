/**
 * What registering an agent leaves to finish after it answered (its puppet joins its DM,
 * the DM is listed in the owner's personal space), by agent id. Anything that needs the
 * DM finished waits here (so does the start-up reconcile, for an agent registered while
 * it runs); a follow-up cut short by a stop is redone by the reconcile at the next start,
 * which joins every agent to its DM and lists every DM in its space.
 */
export class AgentFollowUps {
  readonly #pending = new Map<number, Promise<void>>();

  /** Runs `work` now; it must not throw (it logs its own failure). */
  start(agentId: number, work: () => Promise<void>): void {
    const done = work().finally(() => {
      if (this.#pending.get(agentId) === done) this.#pending.delete(agentId);
    });
    this.#pending.set(agentId, done);
  }

  /** Resolves once the agent's follow-up (if one is running) has finished. */
  async settled(agentId: number): Promise<void> {
    await this.#pending.get(agentId);
  }
}
