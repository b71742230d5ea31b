import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "./ChatRequests.ts";

export interface NoticeReply {
  body: string;
  /** The message's idempotency key: the same key never posts twice. */
  key: string;
  /** What the warning logged says when the notice could not be sent. */
  failure: string;
}

/**
 * Answers a signal with a notice replying to its event, in its thread. A notice that cannot
 * be sent is logged, not thrown: the signal is handled all the same.
 */
export async function replyNotice(
  chat: ChatRequests,
  log: Logger,
  signal: SignalPayload,
  reply: NoticeReply,
): Promise<void> {
  await chat
    .request("message.send", {
      roomId: signal.roomId,
      threadRootId: signal.threadRootId,
      replyTo: signal.eventId,
      notice: true,
      body: reply.body,
      key: reply.key,
    })
    .catch((error: unknown) => log.warn({ err: error }, reply.failure));
}
