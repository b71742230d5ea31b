import type { Logger } from "pino";
import { Prisma } from "../generated/prisma/client.ts";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { planRoomLogWrites, type RoomLogWrite } from "./roomLogWrites.ts";

/** Rows per INSERT: 7 parameters each stay far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Keeps the appservice's log of messages and members of every room it sees: new
 * messages in arrival order, edits applied to what they edit (by its own sender only),
 * redacted messages removed, and each member's display name. No other handler reads the
 * log, so the inbox hands it a whole batch of events at once: a few statements (each
 * one commit, synced to disk) instead of one per event.
 */
export class RoomLogHandler implements EventHandler {
  readonly name = "room-log";

  constructor(private readonly ctx: ModelContext) {}

  handle(event: MatrixEvent, log: Logger): Promise<void> {
    return this.handleBatch([event], log);
  }

  async handleBatch(events: readonly MatrixEvent[], _log: Logger): Promise<void> {
    for (const write of planRoomLogWrites(events)) await this.#apply(write);
  }

  async #apply(write: RoomLogWrite): Promise<void> {
    const { db } = this.ctx;
    switch (write.kind) {
      case "insert":
        for (const messages of chunks(write.messages)) {
          const rows = messages.map(
            (m) =>
              Prisma.sql`(${m.eventId}, ${m.roomId}, ${m.sender}, ${m.body}, ${m.threadRootId}, ${m.inReplyTo}, ${m.sentAt})`,
          );
          await db.$executeRaw`
            INSERT INTO "RoomMessage" ("eventId", "roomId", "sender", "body", "threadRootId", "inReplyTo", "sentAt")
            VALUES ${Prisma.join(rows)}
            ON CONFLICT DO NOTHING`;
        }
        return;
      case "edit": {
        const { originalId, roomId, sender, body, editedAt } = write.edit;
        await db.roomMessage.updateMany({ where: { eventId: originalId, roomId, sender }, data: { body, editedAt } });
        return;
      }
      case "remove":
        await db.roomMessage.deleteMany({ where: { OR: write.removals } });
        return;
      case "members":
        for (const members of chunks(write.members)) {
          const rows = members.map((m) => Prisma.sql`(${m.roomId}, ${m.userId}, ${m.displayName}, ${m.membership})`);
          await db.$executeRaw`
            INSERT INTO "RoomMember" ("roomId", "userId", "displayName", "membership")
            VALUES ${Prisma.join(rows)}
            ON CONFLICT ("roomId", "userId") DO UPDATE SET "displayName" = excluded."displayName", "membership" = excluded."membership"`;
        }
        return;
    }
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) result.push(items.slice(i, i + ROWS_PER_STATEMENT));
  return result;
}
