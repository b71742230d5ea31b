import type { UserId } from "./ids.ts";
import type { MatrixApi } from "./MatrixApi.ts";

/** The content key under which every queued message carries its own transaction id. */
export const OUTBOUND_TXN_KEY = "org.aachat.txn";

const PAGE_SIZE = 100;
const MAX_PAGES = 3;

export interface SentEventQuery {
  roomId: string;
  sender: UserId;
  type: string;
  txnId: string;
}

/**
 * The event id of the message the sender posted with this transaction id, or null when
 * it is not in the room. Only the sender's latest events of that type are read (a
 * bounded scan): the room's queue sends nothing after a message whose fate is unknown,
 * so if it was posted it is among them.
 */
export async function findSentEvent(matrix: MatrixApi, query: SentEventQuery): Promise<string | null> {
  const filter = { senders: [query.sender], types: [query.type] };
  let from: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { chunk, end } = await matrix.messages(
      query.roomId,
      { dir: "b", from, limit: PAGE_SIZE, filter },
      query.sender,
    );
    const match = chunk.find(
      (event) =>
        event.sender === query.sender && event.type === query.type && event.content[OUTBOUND_TXN_KEY] === query.txnId,
    );
    if (match) return match.event_id;
    if (end === undefined || chunk.length === 0) return null;
    from = end;
  }
  return null;
}
