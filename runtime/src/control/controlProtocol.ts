import { isoTime, sessionState } from "@aachat/protocol";
import { z } from "zod";
import { chatToolNames } from "../mcp/chatToolSchemas.ts";

/**
 * The runtime's control socket (runtime.sock, owner-only): one JSON request per line, one
 * JSON answer per line. The CLI asks for status and stops the runtime; each session's chat
 * tools server runs its tool calls through it, naming its session by a secret key.
 */
export const controlRequest = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("status") }),
  /** Stop every session (publishing their memory) and then the runtime. */
  z.strictObject({ op: z.literal("stop") }),
  /** Stop the runtime but keep its sessions, as a shutdown does: its next start resumes them. */
  z.strictObject({ op: z.literal("shutdown") }),
  z.strictObject({
    op: z.literal("tool"),
    key: z.string().min(16).max(128),
    tool: z.enum(chatToolNames),
    args: z.unknown(),
  }),
]);
export type ControlRequest = z.infer<typeof controlRequest>;

export const runtimeStatus = z.strictObject({
  agent: z.string(),
  pid: z.number().int(),
  version: z.string(),
  startedAt: isoTime,
  /** Whether the runtime is connected to the appservice now. */
  connected: z.boolean(),
  /** Why the runtime cannot connect, when it knows (e.g. its token was refused). */
  problem: z.string().nullable(),
  /**
   * Set once another runtime connected with this agent's token and replaced this one: it
   * stopped connecting for good. Optional: older runtimes do not report it.
   */
  displaced: z.strictObject({ at: isoTime }).nullable().optional(),
  sessions: z.array(sessionState),
  /** The runtime process's memory, MiB (not its agents'). */
  memory: z.strictObject({ rssMb: z.number(), heapUsedMb: z.number(), externalMb: z.number() }),
});
export type RuntimeStatus = z.infer<typeof runtimeStatus>;

export const controlResponse = z.union([
  z.strictObject({ ok: z.literal(true), status: runtimeStatus }),
  z.strictObject({ ok: z.literal(true), stopped: z.literal(true) }),
  z.strictObject({ ok: z.literal(true), text: z.string() }),
  z.strictObject({ ok: z.literal(false), error: z.string() }),
]);
export type ControlResponse = z.infer<typeof controlResponse>;
