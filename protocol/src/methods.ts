import { z } from "zod";
import { eventId, isoTime, roomId, sessionId, userId } from "./common.ts";
import { MAX_UPLOAD_BYTES, mxcUrl } from "./media.ts";

/**
 * What a runtime asks the appservice to do as its agent (`request` frames), each with the
 * shape of its params and of its result. The appservice acts only as the connection's own
 * agent and only in rooms it belongs to (its projects and its DM).
 */

const messageBody = z.string().min(1, "must not be empty");

/** A message of a room as the agent sees it in its context. */
export const roomMessage = z.strictObject({
  eventId,
  sender: userId,
  /** The sender's display name in the room (or its user id when it has none). */
  senderName: z.string(),
  senderKind: z.enum(["human", "agent", "bot"]),
  body: z.string(),
  threadRootId: eventId.nullable(),
  inReplyTo: eventId.nullable(),
  ts: isoTime,
});
export type RoomMessage = z.infer<typeof roomMessage>;

const empty = z.strictObject({});

/** Tokens and cost, summed over a period. */
export const usageTotals = z.strictObject({
  tokens: z.number().int().min(0),
  costUsd: z.number().min(0),
});
export type UsageTotals = z.infer<typeof usageTotals>;

/** An agent's spending (days and weeks in UTC, weeks from Monday) and its limit for today. */
export const agentUsage = z.strictObject({
  today: usageTotals,
  week: usageTotals,
  total: usageTotals,
  /** Today's cost limit in USD, null for none: the owner's (or environment.yaml's), raised for today if the owner said so. */
  dailyLimitUsd: z.number().min(0).nullable(),
});
export type AgentUsage = z.infer<typeof agentUsage>;

export const requestMethods = {
  /**
   * Posts a message as the agent. `key` names what the message is (e.g. `reply:<signal id>`):
   * the same key never posts twice, it returns the first message's id, so a replayed turn
   * edits its earlier reply instead of posting another. The body is Markdown.
   */
  "message.send": {
    params: z.strictObject({
      roomId,
      body: messageBody,
      notice: z.boolean().optional(),
      threadRootId: eventId.nullable().optional(),
      replyTo: eventId.nullable().optional(),
      /** Users to notify (`m.mentions`), e.g. the person the message answers. */
      mentions: z.array(userId).max(50).optional(),
      /** The start of an answer that will grow by edits: mentions in it are not acted on yet. */
      partial: z.boolean().optional(),
      key: z.string().min(1).max(200),
    }),
    result: z.strictObject({ eventId }),
  },
  /**
   * Replaces the text of one of the agent's own messages (an `m.replace` edit). An edit that
   * is not `partial` is the message's final text: agents it mentions are signalled then.
   */
  "message.edit": {
    params: z.strictObject({ roomId, eventId, body: messageBody, partial: z.boolean().optional() }),
    result: z.strictObject({ eventId }),
  },
  /** Reacts to a message; reacting twice with the same key is one reaction. */
  "reaction.send": {
    params: z.strictObject({ roomId, eventId, key: z.string().min(1).max(64) }),
    result: z.strictObject({ eventId }),
  },
  /** Shows (or stops showing) the agent as typing in the room. */
  "typing.set": {
    params: z.strictObject({ roomId, typing: z.boolean() }),
    result: empty,
  },
  /**
   * Messages of the room (or of one thread), oldest first: the newest `limit` of them, or
   * only those after `after` (the unread ones), and never the event `before` or later.
   */
  "room.messages": {
    params: z.strictObject({
      roomId,
      threadRootId: eventId.nullable().optional(),
      after: eventId.nullable().optional(),
      before: eventId.nullable().optional(),
      limit: z.number().int().min(1).max(100),
    }),
    result: z.strictObject({ messages: z.array(roomMessage) }),
  },
  /** Marks the room read up to the event (a read receipt humans see). */
  "receipt.send": {
    params: z.strictObject({ roomId, eventId }),
    result: empty,
  },
  /**
   * Posts a file already uploaded (see RUNTIME_MEDIA_UPLOAD_PATH) as the agent: `m.image` for
   * an image MIME type, else `m.file`. Like `message.send`, a key posts once.
   */
  "file.send": {
    params: z.strictObject({
      roomId,
      mxcUrl,
      name: z.string().min(1).max(255),
      mimetype: z.string().min(1).max(255),
      size: z.number().int().min(0).max(MAX_UPLOAD_BYTES),
      threadRootId: eventId.nullable().optional(),
      replyTo: eventId.nullable().optional(),
      key: z.string().min(1).max(200),
    }),
    result: z.strictObject({ eventId }),
  },
  /**
   * Records what one turn cost (once per key: a turn recorded again changes nothing) and
   * answers the agent's usage.
   */
  "usage.record": {
    params: z.strictObject({
      sessionId,
      key: z.string().min(1).max(200),
      tokens: z.number().int().min(0),
      costUsd: z.number().min(0).max(1_000_000),
    }),
    result: agentUsage,
  },
  /**
   * The agent's usage now. The runtime says the daily limit its environment.yaml sets (null
   * for none); the owner's limit from the console, when set, takes its place.
   */
  "usage.totals": {
    params: z.strictObject({ configuredDailyLimitUsd: z.number().min(0).max(1_000_000).nullable() }),
    result: agentUsage,
  },
  /** Raises today's limit (UTC) to `toUsd`, after the owner said yes in the DM. */
  "budget.raise": {
    params: z.strictObject({ toUsd: z.number().positive().max(1_000_000) }),
    result: agentUsage,
  },
} as const;

export type RequestMethod = keyof typeof requestMethods;
export type RequestParams<M extends RequestMethod> = z.input<(typeof requestMethods)[M]["params"]>;
export type ParsedRequestParams<M extends RequestMethod> = z.output<(typeof requestMethods)[M]["params"]>;
export type RequestResult<M extends RequestMethod> = z.output<(typeof requestMethods)[M]["result"]>;
export const requestMethodNames = Object.keys(requestMethods) as RequestMethod[];
