import type { EnqueueResult } from "../matrix/OutboundQueue.ts";
import type { ModelContext } from "./ModelContext.ts";

/**
 * The bot tells a room something (m.notice), through the room's outbound queue. `dedupeKey`
 * names what the notice is about, so it is posted once however often it is asked for.
 */
export function postNotice(
  ctx: ModelContext,
  roomId: string,
  body: string,
  dedupeKey: string,
  extra: Record<string, unknown> = {},
): Promise<EnqueueResult> {
  return ctx.outbound.enqueue({
    roomId,
    sender: ctx.botUserId,
    type: "m.room.message",
    content: { msgtype: "m.notice", body, ...extra },
    dedupeKey,
  });
}
