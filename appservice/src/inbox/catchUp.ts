import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { UserId } from "../matrix/ids.ts";
import type { MatrixApi, TimelineEvent } from "../matrix/MatrixApi.ts";
import { matrixEventSchema, type MatrixEvent } from "../matrix/events.ts";
import type { Inbox } from "./Inbox.ts";

/** Events read back per request; a busy room is paged back until the time window is covered. */
const PAGE_SIZE = 100;
/** At most this many pages per room: a room busier than that in the window is not read further. */
const MAX_PAGES = 10;
/** Events older than the newest one the appservice had received, minus this, are not looked at. */
const MARGIN_MS = 5 * 60_000;
const CONCURRENCY = 4;

export interface CatchUpDeps {
  db: Db;
  matrix: MatrixApi;
  inbox: Inbox;
  botUserId: UserId;
  log: Logger;
}

/**
 * Stores the recent events of the rooms where agents listen (projects with agents, the
 * agents' DMs) that never reached the inbox, and has them processed.
 *
 * Synapse queues the events for an appservice in memory before it writes them into a
 * transaction: when Synapse stops or dies in between, those events are never sent, and a
 * mention written just then would go unanswered. Read back after each start of the
 * appservice and of the homeserver, they are stored like any other (the inbox ignores the
 * ones it has). Only the last minutes are read, never a room's old history.
 */
export async function catchUpMissedEvents(deps: CatchUpDeps): Promise<number> {
  const { db, log } = deps;
  const newest = await db.inboundEvent.findFirst({ orderBy: { seq: "desc" }, select: { receivedAt: true } });
  if (!newest) return 0; // nothing was ever received: there is nothing to have missed
  const since = newest.receivedAt.getTime() - MARGIN_MS;
  const [projects, agents] = await Promise.all([
    db.project.findMany({ where: { archivedAt: null, agents: { some: {} } }, select: { roomId: true } }),
    db.agent.findMany({ select: { dmRoomId: true, userId: true } }),
  ]);
  const rooms: { roomId: string; asUser: UserId }[] = [
    ...projects.map(({ roomId }) => ({ roomId, asUser: deps.botUserId })),
    // The bot is not in the DMs: read them as the agent.
    ...agents.map(({ dmRoomId, userId }) => ({ roomId: dmRoomId, asUser: userId as UserId })),
  ];
  let stored = 0;
  for (let next = 0; next < rooms.length; next += CONCURRENCY) {
    const batch = rooms.slice(next, next + CONCURRENCY);
    const counts = await Promise.all(
      batch.map((room) =>
        catchUpRoom(deps, room, since).catch((error: unknown) => {
          log.warn({ err: error, roomId: room.roomId }, "could not read the room's recent events");
          return 0;
        }),
      ),
    );
    stored += counts.reduce((sum, count) => sum + count, 0);
  }
  if (stored > 0) {
    log.warn({ stored }, "stored events the homeserver had not sent (it stopped before sending them)");
    void deps.inbox.wake();
  }
  return stored;
}

async function catchUpRoom(
  deps: CatchUpDeps,
  room: { roomId: string; asUser: UserId },
  since: number,
): Promise<number> {
  const recent: TimelineEvent[] = [];
  let from: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { chunk, end } = await deps.matrix.messages(
      room.roomId,
      { dir: "b", limit: PAGE_SIZE, ...(from === undefined ? {} : { from }) },
      room.asUser,
    );
    recent.push(...chunk.filter((event) => event.origin_server_ts >= since));
    const reachedWindowStart = chunk.some((event) => event.origin_server_ts < since);
    if (reachedWindowStart || end === undefined || chunk.length < PAGE_SIZE) break;
    from = end;
  }
  if (recent.length === 0) return 0;
  const known = new Set(
    (
      await deps.db.inboundEvent.findMany({
        where: { eventId: { in: recent.map((event) => event.event_id) } },
        select: { eventId: true },
      })
    ).map((row) => row.eventId),
  );
  const missed: MatrixEvent[] = [];
  for (const event of recent.reverse()) {
    if (known.has(event.event_id)) continue;
    const parsed = matrixEventSchema.safeParse({ ...event, room_id: room.roomId });
    if (parsed.success) missed.push(parsed.data);
  }
  if (missed.length === 0) return 0;
  return deps.inbox.store(`catch-up:${room.roomId}:${missed[0]!.event_id}`, missed);
}
