import type { RoomMessage } from "@aachat/protocol";
import type { RoomMessage as LoggedMessage } from "../generated/prisma/client.ts";
import { isAgentUserId } from "../matrix/ids.ts";
import type { ModelContext } from "./ModelContext.ts";

export interface RoomLogQuery {
  roomId: string;
  /** Only this thread: its root and its replies. */
  threadRootId?: string | null;
  /** Only messages after this one (the unread ones). */
  after?: string | null;
  /** Only messages before this one (a mention's context, without the mention). */
  before?: string | null;
  limit: number;
}

/**
 * The newest `limit` messages of a room (or thread) from the appservice's own log, oldest
 * first, with their latest text and their senders' display names.
 */
export async function readRoomLog(ctx: ModelContext, query: RoomLogQuery): Promise<RoomMessage[]> {
  const bound = async (eventId: string | null | undefined) =>
    eventId ? ((await ctx.db.roomMessage.findUnique({ where: { eventId }, select: { id: true } }))?.id ?? null) : null;
  const [afterId, beforeId] = await Promise.all([bound(query.after), bound(query.before)]);
  const rows = await ctx.db.roomMessage.findMany({
    where: {
      roomId: query.roomId,
      ...(query.threadRootId ? { OR: [{ threadRootId: query.threadRootId }, { eventId: query.threadRootId }] } : {}),
      id: { ...(afterId !== null ? { gt: afterId } : {}), ...(beforeId !== null ? { lt: beforeId } : {}) },
    },
    orderBy: { id: "desc" },
    take: query.limit,
  });
  const members = await ctx.db.roomMember.findMany({
    where: { roomId: query.roomId, userId: { in: [...new Set(rows.map((row) => row.sender))] } },
  });
  const names = new Map(members.map((member) => [member.userId, member.displayName]));
  return rows.reverse().map((row) => present(ctx, row, names.get(row.sender)));
}

function present(ctx: ModelContext, row: LoggedMessage, displayName: string | null | undefined): RoomMessage {
  return {
    eventId: row.eventId,
    sender: row.sender,
    senderName: displayName || row.sender,
    senderKind: row.sender === ctx.botUserId ? "bot" : isAgentUserId(row.sender, ctx.serverName) ? "agent" : "human",
    body: row.body,
    threadRootId: row.threadRootId,
    inReplyTo: row.inReplyTo,
    ts: row.sentAt.toISOString(),
  };
}
