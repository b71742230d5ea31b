import { z } from "zod";
import { isoTime, projectRef, roomId, sessionId, userId } from "./common.ts";

/**
 * What a runtime reports about itself (`state` frames): sent whole after it connects and
 * whenever something in it changes, so the console and the CLI show it live.
 */

export const sessionStatus = z.enum(["starting", "ready", "busy", "stopping", "failed"]);
export type SessionStatus = z.infer<typeof sessionStatus>;

/** The turn a session is working on. */
export const turnState = z.strictObject({
  signalId: z.string(),
  roomId,
  /** `team/project`, or null for the DM. */
  project: z.string().nullable(),
  sender: userId,
  startedAt: isoTime,
});
export type TurnState = z.infer<typeof turnState>;

export const sessionState = z.strictObject({
  id: sessionId,
  projects: z.array(projectRef),
  status: sessionStatus,
  /** The ACP agent it runs, as a short name (`claude-agent-acp`, or the configured command). */
  agent: z.string(),
  /** Whether the conversation is new or was resumed (ACP `session/load`), once known. */
  conversation: z.enum(["new", "resumed"]).nullable(),
  startedAt: isoTime,
  turn: turnState.nullable(),
  /** Signals waiting behind the current turn. */
  queued: z.number().int().min(0),
  /** Why the session failed, when it did. */
  error: z.string().nullable(),
  /** The agent's current mode (ACP session mode, e.g. `default`, `plan`), when it has modes. */
  mode: z.string().max(100).nullable().optional(),
  /** The model the session uses, when the agent says. */
  model: z.string().max(200).nullable().optional(),
  /** The conversation's title, when the agent gave one. */
  title: z.string().max(500).nullable().optional(),
  /** What the session has cost so far. */
  usage: z
    .strictObject({ tokens: z.number().int().min(0), costUsd: z.number().min(0) })
    .nullable()
    .optional(),
  /** Why the session waits instead of taking work (e.g. its daily cost limit), when it does. */
  paused: z.string().max(500).nullable().optional(),
});
export type SessionState = z.infer<typeof sessionState>;

export const runtimeState = z.strictObject({
  version: z.string(),
  pid: z.number().int(),
  hostname: z.string(),
  startedAt: isoTime,
  sessions: z.array(sessionState).max(100),
});
export type RuntimeState = z.infer<typeof runtimeState>;
