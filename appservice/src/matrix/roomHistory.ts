import type { RoomMessage } from "@aachat/protocol";
import { stripReplyFallback, threadRootOf } from "../signals/mentions.ts";
import type { UserId } from "./ids.ts";
import type { MatrixApi } from "./MatrixApi.ts";

interface ClientEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  unsigned?: { "m.relations"?: { "m.replace"?: { content?: Record<string, unknown> } } };
}

export interface HistoryQuery {
  roomId: string;
  /** Only this thread (its root and its replies); the whole room otherwise. */
  threadRootId?: string | null;
  /** Only messages after this one (the unread ones). */
  after?: string | null;
  /** Only messages before this one (the context of a mention, without the mention itself). */
  before?: string | null;
  limit: number;
}

const PAGE_SIZE = 50;
/** How far back a query looks for `after` or `before` before giving up. */
const MAX_PAGES = 8;

/**
 * Reads a room's messages as `asUser` (a member), newest pages first, and returns the
 * newest `limit` that match, oldest first. Edited messages show their latest text; edits
 * themselves, redacted messages and other event types are left out.
 */
export async function readRoomMessages(
  matrix: MatrixApi,
  asUser: UserId,
  query: HistoryQuery,
  senderKind: (userId: string) => RoomMessage["senderKind"],
): Promise<RoomMessage[]> {
  const names = await displayNames(matrix, asUser, query.roomId);
  const collected: ClientEvent[] = [];
  let passedBefore = !query.before;
  let reachedAfter = false;
  for await (const event of newestFirst(matrix, asUser, query)) {
    if (!passedBefore) {
      if (event.event_id === query.before) passedBefore = true;
      continue;
    }
    if (query.after && event.event_id === query.after) {
      reachedAfter = true;
      break;
    }
    if (!isShownMessage(event)) continue;
    collected.push(event);
    if (collected.length >= query.limit) break;
  }
  // A `before` event that was never found means we could not place the window: say nothing rather than something wrong.
  if (!passedBefore) return [];
  if (query.after && !reachedAfter && collected.length < query.limit) {
    // `after` is older than we looked: everything we saw is unread, which is what we return.
  }
  return collected.reverse().map((event) => toRoomMessage(event, names, senderKind));
}

async function* newestFirst(matrix: MatrixApi, asUser: UserId, query: HistoryQuery): AsyncGenerator<ClientEvent> {
  const room = encodeURIComponent(query.roomId);
  if (query.threadRootId) {
    let from: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await matrix.request<{ chunk: ClientEvent[]; next_batch?: string }>(
        "GET",
        `/_matrix/client/v1/rooms/${room}/relations/${encodeURIComponent(query.threadRootId)}/m.thread`,
        { asUser, query: { dir: "b", limit: String(PAGE_SIZE), ...(from ? { from } : {}) } },
      );
      yield* result.chunk;
      if (!result.next_batch) break;
      from = result.next_batch;
    }
    yield await matrix.request<ClientEvent>(
      "GET",
      `/_matrix/client/v3/rooms/${room}/event/${encodeURIComponent(query.threadRootId)}`,
      { asUser },
    );
    return;
  }
  let from: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await matrix.request<{ chunk: ClientEvent[]; end?: string }>(
      "GET",
      `/_matrix/client/v3/rooms/${room}/messages`,
      {
        asUser,
        query: {
          dir: "b",
          limit: String(PAGE_SIZE),
          filter: JSON.stringify({ types: ["m.room.message"], lazy_load_members: true }),
          ...(from ? { from } : {}),
        },
      },
    );
    yield* result.chunk;
    if (!result.end || result.chunk.length === 0) break;
    from = result.end;
  }
}

function isShownMessage(event: ClientEvent): boolean {
  if (event.type !== "m.room.message" || typeof event.content.body !== "string") return false;
  const relation = event.content["m.relates_to"] as { rel_type?: unknown } | undefined;
  return relation?.rel_type !== "m.replace";
}

function toRoomMessage(
  event: ClientEvent,
  names: Map<string, string>,
  senderKind: (userId: string) => RoomMessage["senderKind"],
): RoomMessage {
  const edited = event.unsigned?.["m.relations"]?.["m.replace"]?.content?.["m.new_content"] as
    { body?: unknown } | undefined;
  const body = typeof edited?.body === "string" ? edited.body : String(event.content.body);
  const relation = event.content["m.relates_to"] as { "m.in_reply_to"?: { event_id?: unknown } } | undefined;
  const inReplyTo = relation?.["m.in_reply_to"]?.event_id;
  return {
    eventId: event.event_id,
    sender: event.sender,
    senderName: names.get(event.sender) ?? event.sender,
    senderKind: senderKind(event.sender),
    body: stripReplyFallback(body),
    threadRootId: threadRootOf(event.content),
    inReplyTo: typeof inReplyTo === "string" ? inReplyTo : null,
    ts: new Date(event.origin_server_ts).toISOString(),
  };
}

async function displayNames(matrix: MatrixApi, asUser: UserId, roomId: string): Promise<Map<string, string>> {
  const { joined } = await matrix.request<{ joined: Record<string, { display_name?: string | null }> }>(
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`,
    { asUser },
  );
  return new Map(Object.entries(joined).map(([userId, member]) => [userId, member.display_name || userId]));
}
