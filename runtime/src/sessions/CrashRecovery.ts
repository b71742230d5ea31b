import type { Logger } from "pino";
import { diedUnasked, type TurnOutcome } from "../turns/Turn.ts";

/** How often a turn is run again after the agent process died during it. */
const RUNS_AFTER_AGENT_EXIT = 1;
/** Recovery attempts after the agent process died, and the waits between them. */
const RECOVERY_DELAYS_MS = [0, 2_000, 10_000];

/**
 * The turns cut short by the agent process dying: each runs again (once) when the session is
 * back, answering in the same message, instead of ending in a notice.
 */
export class InterruptedTurns {
  readonly #runs = new Map<string, number>();

  /** Whether the turn for this signal would run again if the agent process died during it now. */
  willRunAgain(signalId: string): boolean {
    return (this.#runs.get(signalId) ?? 0) < RUNS_AFTER_AGENT_EXIT;
  }

  /** After a turn: true when it is to run again (and counted so), false when it is over. */
  ended(signalId: string, outcome: TurnOutcome, stoppedByUser: boolean): boolean {
    const runs = this.#runs.get(signalId) ?? 0;
    if (diedUnasked(outcome) && !stoppedByUser && runs < RUNS_AFTER_AGENT_EXIT) {
      this.#runs.set(signalId, runs + 1);
      return true;
    }
    this.#runs.delete(signalId);
    return false;
  }
}

/** A session whose agent process died. */
export interface Recoverable {
  readonly stopping: boolean;
  /** Starts the agent process again and opens its conversation; rejects when it could not. */
  relaunch(): Promise<void>;
  /** The agent is back: say so where needed and carry on. A rejection counts as a failed attempt. */
  recovered(): Promise<void>;
  /** Every attempt failed. */
  gaveUp(lastError: unknown): Promise<void>;
}

/** Tries to bring the session's agent back a few times, waiting longer before each try. */
export async function recoverAgent(session: Recoverable, log: Logger): Promise<void> {
  let lastError: unknown;
  for (const delay of RECOVERY_DELAYS_MS) {
    if (session.stopping) return;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      await session.relaunch();
      await session.recovered();
      return;
    } catch (error) {
      lastError = error;
      log.warn({ err: error }, "recovering the session failed");
    }
  }
  await session.gaveUp(lastError);
}
