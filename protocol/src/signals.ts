import { z } from "zod";
import { eventId, isoTime, roomId, userId } from "./common.ts";
import { attachment } from "./media.ts";

/**
 * What a signal is:
 * - `mention`: a message in one of the agent's projects that mentions it (or replies to it);
 * - `dm`: its owner's message in its DM room;
 * - `reaction`: a reaction, by someone allowed to steer the agent, to one of the agent's
 *   messages or to a message that signalled it (how permission answers and cancels arrive).
 */
export const signalKind = z.enum(["mention", "dm", "reaction"]);
export type SignalKind = z.infer<typeof signalKind>;

export const signalPayload = z.strictObject({
  id: z.string().min(1).max(128),
  kind: signalKind,
  roomId,
  /** The message (or reaction) event that made the signal. */
  eventId,
  /** Null for a DM signal; then team and project are null too. */
  projectId: z.number().int().nullable(),
  team: z.string().nullable(),
  project: z.string().nullable(),
  threadRootId: eventId.nullable(),
  /** The event this message answers (`m.in_reply_to`), if any. */
  inReplyTo: eventId.nullable(),
  /** For a reaction: its key (an emoji) and the event it reacts to. */
  reaction: z.strictObject({ key: z.string().min(1).max(64), relatesTo: eventId }).nullable(),
  sender: userId,
  /** Whether the sender may steer the agent: its owner, or an owner or admin of the project's team. */
  senderCanControl: z.boolean(),
  body: z.string(),
  /** Images and files sent with the message (an `m.image` / `m.file` signal has one). */
  attachments: z.array(attachment).max(10).optional(),
  createdAt: isoTime,
});
export type SignalPayload = z.infer<typeof signalPayload>;
