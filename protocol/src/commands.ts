import { z } from "zod";
import { projectRef, sessionId } from "./common.ts";
import { agentUsage } from "./methods.ts";
import { sessionState } from "./state.ts";

/**
 * What the appservice asks a runtime to do on behalf of the agent's owner (`command`
 * frames), from the console or the CLI: the session controls and the log.
 */
export const commands = {
  /** Starts a session covering these projects (or answers with the one that already covers exactly them). */
  "session.start": {
    params: z.strictObject({ projects: z.array(projectRef).min(1).max(50) }),
    result: z.strictObject({ session: sessionState, alreadyRunning: z.boolean() }),
  },
  /** Ends the session: its turn is cancelled, its memory published, its agent process stopped. */
  "session.stop": {
    params: z.strictObject({ sessionId }),
    result: z.strictObject({}),
  },
  /** Stops and starts the session again with the same coverage, resuming its conversation where it can. */
  "session.restart": {
    params: z.strictObject({ sessionId }),
    result: z.strictObject({ session: sessionState }),
  },
  /** Asks the agent to compact its conversation (`/compact`), after the running turn. */
  "session.compact": {
    params: z.strictObject({ sessionId }),
    result: z.strictObject({}),
  },
  /** The owner changed the agent's daily cost limit: a session paused by it may go on. */
  "budget.changed": {
    params: z.strictObject({ usage: agentUsage }),
    result: z.strictObject({}),
  },
  /** The last lines of the runtime's log. */
  "logs.tail": {
    params: z.strictObject({ lines: z.number().int().min(1).max(1000) }),
    result: z.strictObject({ lines: z.array(z.string()) }),
  },
} as const;

export type CommandName = keyof typeof commands;
export type CommandParams<C extends CommandName> = z.output<(typeof commands)[C]["params"]>;
export type CommandResult<C extends CommandName> = z.output<(typeof commands)[C]["result"]>;
export const commandNames = Object.keys(commands) as CommandName[];
