import type { ContentBlock } from "@agentclientprotocol/sdk";
import { projectLabel, type ProjectRef, type RoomMessage, type SignalPayload } from "@aachat/protocol";
import type { AgentIdentity } from "../client/AgentIdentity.ts";

const MAX_CONTEXT_MESSAGE_CHARS = 2_000;

/**
 * The prompt for one signal: a first block with who the agent is, where it is, and the
 * conversation so far (who said what); a last block with the message it answers. Agents
 * that read only the last block (and people reading logs) find the question there.
 * A slash command comes first, alone in its block (Claude Code reads one only there), and
 * images and files sent with the message come last.
 */
export function buildPrompt(input: {
  identity: AgentIdentity;
  signal: SignalPayload;
  coverage: readonly ProjectRef[];
  context: readonly RoomMessage[];
  /** The agent's own slash command asked for (`/review args`), if any. */
  command?: string | null;
  /** The message's images and files, as prompt blocks. */
  attachments?: readonly ContentBlock[];
}): ContentBlock[] {
  const { identity, signal, coverage, context } = input;
  const where =
    signal.kind === "dm"
      ? "This message comes from your direct-message room with your owner."
      : `This message comes from project ${signal.team}/${signal.project}${signal.threadRootId ? ", in a thread" : ""}.`;
  const lines = [
    `You are ${identity.displayName} (${identity.userId}), an agent in aachat: a Matrix chat where humans and agents work together. Your owner is ${identity.ownerUserId}.`,
    where,
    `Your session covers: ${coverage.map(projectLabel).join(", ")}.`,
    "Your answer to this prompt is posted in chat for you, as your reply in the same thread; write it for the people there, in Markdown.",
    "To act elsewhere in chat (post in another covered project, read unread messages, reply in a thread, message your owner, react), use the aachat tools.",
  ];
  if (context.length > 0) {
    lines.push("", signal.threadRootId ? "The thread so far (oldest first):" : "Recent messages (oldest first):");
    for (const message of context) lines.push(formatMessage(message));
  }
  const asked =
    signal.kind === "dm"
      ? `Your owner ${signal.sender} wrote to you:`
      : `${signal.sender} ${signal.inReplyTo ? "replied to you" : "mentioned you"}:`;
  return [
    ...(input.command ? [{ type: "text" as const, text: input.command }] : []),
    { type: "text", text: lines.join("\n") },
    { type: "text", text: `${asked}\n${signal.body}` },
    ...(input.attachments ?? []),
  ];
}

function formatMessage(message: RoomMessage): string {
  const body =
    message.body.length > MAX_CONTEXT_MESSAGE_CHARS
      ? `${message.body.slice(0, MAX_CONTEXT_MESSAGE_CHARS)}… (cut)`
      : message.body;
  const time = message.ts.slice(0, 16).replace("T", " ");
  return `[${time}] ${message.senderName} (${message.sender}, ${message.senderKind}): ${body.replace(/\n/g, "\n    ")}`;
}
