import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { isEdit, replyTargetOf, stripReplyFallback, threadRootOf } from "../signals/mentions.ts";

/**
 * Keeps the appservice's log of messages and members of every room it sees: new
 * messages in arrival order, edits applied to what they edit (by its own sender only),
 * redacted messages removed, and each member's display name. Runs before the mention
 * handler, so a message is in the log before any signal about it.
 */
export class RoomLogHandler implements EventHandler {
  readonly name = "room-log";

  constructor(private readonly ctx: ModelContext) {}

  async handle(event: MatrixEvent, _log: Logger): Promise<void> {
    const { db } = this.ctx;
    if (event.type === "m.room.member" && typeof event.state_key === "string") {
      const membership = typeof event.content.membership === "string" ? event.content.membership : "leave";
      const displayName = typeof event.content.displayname === "string" ? event.content.displayname : null;
      await db.$executeRaw`
        INSERT INTO "RoomMember" ("roomId", "userId", "displayName", "membership")
        VALUES (${event.room_id}, ${event.state_key}, ${displayName}, ${membership})
        ON CONFLICT ("roomId", "userId") DO UPDATE SET "displayName" = excluded."displayName", "membership" = excluded."membership"`;
      return;
    }
    if (event.type === "m.room.redaction") {
      const redacts = typeof event.redacts === "string" ? event.redacts : (event.content.redacts as string | undefined);
      if (redacts) await db.roomMessage.deleteMany({ where: { eventId: redacts, roomId: event.room_id } });
      return;
    }
    if (event.type !== "m.room.message" || event.unsigned?.redacted_because) return;
    if (isEdit(event.content)) {
      const newContent = event.content["m.new_content"] as { body?: unknown } | undefined;
      const original = (event.content["m.relates_to"] as { event_id?: unknown }).event_id;
      if (typeof newContent?.body !== "string" || typeof original !== "string") return;
      await db.roomMessage.updateMany({
        where: { eventId: original, roomId: event.room_id, sender: event.sender },
        data: { body: newContent.body, editedAt: new Date(event.origin_server_ts ?? Date.now()) },
      });
      return;
    }
    if (typeof event.content.body !== "string") return;
    const sentAt = new Date(event.origin_server_ts ?? Date.now());
    await db.$executeRaw`
      INSERT INTO "RoomMessage" ("eventId", "roomId", "sender", "body", "threadRootId", "inReplyTo", "sentAt")
      VALUES (${event.event_id}, ${event.room_id}, ${event.sender}, ${stripReplyFallback(event.content.body)},
        ${threadRootOf(event.content)}, ${replyTargetOf(event.content)}, ${sentAt})
      ON CONFLICT DO NOTHING`;
  }
}
