/*
 * The content of an agent's messages as Matrix gets it, and its size. Its own entry point
 * (`@aachat/protocol/messageContent`): it brings in marked, which the admin console's
 * bundle has no use for.
 */
import { markdownToHtml } from "./markdown.ts";

export { markdownToHtml };

/**
 * Marks a message that is still being written (`partial`) or that holds the whole answer
 * (`final`). Mentions in a partial message or edit are not acted on: an agent's answer
 * streams into one message, and only its final text counts.
 */
export const STREAM_FIELD = "org.aachat.stream";
export type StreamMark = "partial" | "final";

/** The largest event a homeserver accepts: 65,536 bytes of canonical JSON, envelope included. */
export const MAX_EVENT_BYTES = 65_536;
/**
 * Room kept for what the homeserver adds around the content (ids, prev/auth events, hashes,
 * signatures). Measured on Synapse 1.163: 582 bytes for a message in a new room; with
 * 255-character user, room and server names and 10 prev_events it would reach about 1.8 KB.
 */
export const EVENT_ENVELOPE_BYTES = 3 * 1024;
/** The most canonical-JSON bytes a message's or edit's content may have. */
export const MAX_CONTENT_BYTES = MAX_EVENT_BYTES - EVENT_ENVELOPE_BYTES;

export interface AgentMessage {
  body: string;
  notice?: boolean;
  threadRootId?: string | null;
  replyTo?: string | null;
  /** Users the message intentionally mentions (`m.mentions`). */
  mentions?: readonly string[];
  stream?: StreamMark;
}

function textContent(body: string, html: string, notice: boolean | undefined): Record<string, unknown> {
  return {
    msgtype: notice ? "m.notice" : "m.text",
    body,
    format: "org.matrix.custom.html",
    formatted_body: html,
  };
}

/** An agent's m.room.message: Markdown rendered as HTML, in a thread or as a reply. */
export function agentMessageContent(message: AgentMessage): Record<string, unknown> {
  const content: Record<string, unknown> = {
    ...textContent(message.body, markdownToHtml(message.body), message.notice),
    "m.mentions": { user_ids: [...(message.mentions ?? [])] },
  };
  if (message.stream) content[STREAM_FIELD] = message.stream;
  if (message.threadRootId) {
    content["m.relates_to"] = {
      rel_type: "m.thread",
      event_id: message.threadRootId,
      is_falling_back: !message.replyTo || message.replyTo === message.threadRootId,
      "m.in_reply_to": { event_id: message.replyTo ?? message.threadRootId },
    };
  } else if (message.replyTo) {
    content["m.relates_to"] = { "m.in_reply_to": { event_id: message.replyTo } };
  }
  return content;
}

/**
 * An edit (`m.replace`) that gives the message `eventId` this new text, keeping its msgtype.
 * The text is there twice: as the fallback for clients without edits (`* ` before it) and
 * in `m.new_content`.
 */
export function editContent(
  eventId: string,
  original: Record<string, unknown>,
  body: string,
  stream: StreamMark,
): Record<string, unknown> {
  const notice = original.msgtype === "m.notice";
  const html = markdownToHtml(body);
  const newContent = { ...textContent(body, html, notice), "m.mentions": {}, [STREAM_FIELD]: stream };
  return {
    ...textContent(`* ${body}`, `* ${html}`, notice),
    "m.new_content": newContent,
    "m.relates_to": { rel_type: "m.replace", event_id: eventId },
    "m.mentions": {},
    [STREAM_FIELD]: stream,
  };
}

const encoder = new TextEncoder();

/**
 * The size of `value` as canonical JSON (what the homeserver measures): key order and
 * escapes do not change the length from JSON.stringify's compact form.
 */
export function canonicalJsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/** Event ids are 44 characters since room version 4; the protocol allows up to 255. */
const LONGEST_EVENT_ID = `$${"x".repeat(254)}`;

/**
 * The canonical-JSON size of the largest content a message with this text can need: the
 * edit that gives it the text (a notice, still partial, of the longest event id). Its first
 * post carries the text once, not twice (mentions are far smaller than a second copy), so a
 * text within MAX_CONTENT_BYTES by this measure can be both posted and edited in.
 */
export function worstCaseContentBytes(text: string): number {
  return canonicalJsonBytes(editContent(LONGEST_EVENT_ID, { msgtype: "m.notice" }, text, "partial"));
}
