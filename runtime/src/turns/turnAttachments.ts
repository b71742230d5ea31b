import type { ContentBlock } from "@agentclientprotocol/sdk";
import type { SignalPayload } from "@aachat/protocol";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import { prepareAttachments, type AttachmentContext } from "./attachmentBlocks.ts";

/**
 * The prompt blocks of the signal's images and files, or null when there is nothing left to
 * answer (every attachment was refused and no text came with them). What could not be passed
 * on is told in the room, in reply to the message, before the agent answers.
 */
export async function attachmentsForTurn(
  signal: SignalPayload,
  chat: ChatRequests,
  context: AttachmentContext,
): Promise<ContentBlock[] | null> {
  if (!signal.attachments?.length) return [];
  const { blocks, refused } = await prepareAttachments(signal.attachments, context);
  if (refused.length === 0) return blocks;
  const goesOn = blocks.length > 0 || signal.body.trim() !== "";
  const what =
    refused.length === 1
      ? `this file: ${refused[0]}`
      : `these files:\n${refused.map((line) => `- ${line}`).join("\n")}`;
  const body = `⚠️ I did not get ${what}.\n${goesOn ? `I'm answering without ${refused.length === 1 ? "it" : "them"}.` : "Send it smaller (or as a link), or say in words what you need."}`;
  await chat
    .request("message.send", {
      roomId: signal.roomId,
      body,
      notice: true,
      threadRootId: signal.threadRootId,
      replyTo: signal.eventId,
      mentions: [signal.sender],
      key: `attachments:${signal.id}`,
    })
    .catch((error: unknown) => context.log.warn({ err: error }, "could not tell the room about refused files"));
  return goesOn ? blocks : null;
}
