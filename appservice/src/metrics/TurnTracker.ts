import type { RuntimeState } from "@aachat/protocol";

export interface TurnChanges {
  started: number;
  finished: number;
  failed: number;
}

/**
 * Turns as the appservice sees them in the runtimes' `state` frames, which name each
 * session's running turn but not how it ended: a turn has started when a session reports
 * a new one, and has ended when it no longer does. It failed when its session ended up
 * failed, stopping or gone, or the runtime went offline during it; otherwise it finished (an answer
 * the agent gave up on with a ⚠️ note still counts as finished).
 */
export class TurnTracker {
  /** The running turns' signal ids, by agent and session. */
  readonly #running = new Map<number, Map<string, string>>();

  update(agentId: number, state: RuntimeState): TurnChanges {
    const before = this.#running.get(agentId) ?? new Map<string, string>();
    const now = new Map<string, string>();
    for (const session of state.sessions) if (session.turn) now.set(session.id, session.turn.signalId);
    const changes: TurnChanges = { started: 0, finished: 0, failed: 0 };
    for (const [sessionId, signalId] of before) {
      if (now.get(sessionId) === signalId) continue;
      const session = state.sessions.find((candidate) => candidate.id === sessionId);
      if (!session || session.status === "failed" || session.status === "stopping") changes.failed++;
      else changes.finished++;
    }
    for (const [sessionId, signalId] of now) if (before.get(sessionId) !== signalId) changes.started++;
    if (now.size > 0) this.#running.set(agentId, now);
    else this.#running.delete(agentId);
    return changes;
  }

  /** The agent's runtime went offline: the turns it was running failed. */
  offline(agentId: number): TurnChanges {
    const failed = this.#running.get(agentId)?.size ?? 0;
    this.#running.delete(agentId);
    return { started: 0, finished: 0, failed };
  }
}
