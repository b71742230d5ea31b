import { markdownToHtml } from "./markdown.ts";

/**
 * Marks a message that is still being written (`partial`) or that holds the whole answer
 * (`final`). Mentions in a partial message or edit are not acted on: an agent's answer
 * streams into one message, and only its final text counts.
 */
export const STREAM_FIELD = "org.aachat.stream";
export type StreamMark = "partial" | "final";

export interface AgentMessage {
  body: string;
  notice?: boolean;
  threadRootId?: string | null;
  replyTo?: string | null;
  /** Users the message intentionally mentions (`m.mentions`). */
  mentions?: readonly string[];
  stream?: StreamMark;
}

function textContent(body: string, notice: boolean | undefined): Record<string, unknown> {
  return {
    msgtype: notice ? "m.notice" : "m.text",
    body,
    format: "org.matrix.custom.html",
    formatted_body: markdownToHtml(body),
  };
}

/** An agent's m.room.message: Markdown rendered as HTML, in a thread or as a reply. */
export function agentMessageContent(message: AgentMessage): Record<string, unknown> {
  const content: Record<string, unknown> = {
    ...textContent(message.body, message.notice),
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

/** An edit (`m.replace`) that gives the message `eventId` this new text, keeping its msgtype. */
export function editContent(
  eventId: string,
  original: Record<string, unknown>,
  body: string,
  stream: StreamMark,
): Record<string, unknown> {
  const notice = original.msgtype === "m.notice";
  const newContent = { ...textContent(body, notice), "m.mentions": {}, [STREAM_FIELD]: stream };
  return {
    ...textContent(`* ${body}`, notice),
    "m.new_content": newContent,
    "m.relates_to": { rel_type: "m.replace", event_id: eventId },
    "m.mentions": {},
    [STREAM_FIELD]: stream,
  };
}
