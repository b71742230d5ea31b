import type { MatrixEvent } from "../matrix/events.ts";
import { isEdit, replyTargetOf, stripReplyFallback, threadRootOf } from "../signals/mentions.ts";

export interface LoggedMessage {
  eventId: string;
  roomId: string;
  sender: string;
  body: string;
  threadRootId: string | null;
  inReplyTo: string | null;
  sentAt: Date;
}

/** An edit applies only to a message of its own sender. */
export interface MessageEdit {
  originalId: string;
  roomId: string;
  sender: string;
  body: string;
  editedAt: Date;
}

export interface MessageRemoval {
  eventId: string;
  roomId: string;
}

export interface MemberState {
  roomId: string;
  userId: string;
  displayName: string | null;
  membership: string;
}

/** One statement's worth of room log changes. */
export type RoomLogWrite =
  | { kind: "insert"; messages: LoggedMessage[] }
  | { kind: "edit"; edit: MessageEdit }
  | { kind: "remove"; removals: MessageRemoval[] }
  | { kind: "members"; members: MemberState[] };

type Change =
  | { kind: "insert"; message: LoggedMessage }
  | { kind: "edit"; edit: MessageEdit }
  | { kind: "remove"; removal: MessageRemoval }
  | { kind: "member"; member: MemberState };

/** What one event changes in the room log, if anything. */
export function roomLogChange(event: MatrixEvent): Change | null {
  if (event.type === "m.room.member" && typeof event.state_key === "string") {
    const membership = typeof event.content.membership === "string" ? event.content.membership : "leave";
    const displayName = typeof event.content.displayname === "string" ? event.content.displayname : null;
    return { kind: "member", member: { roomId: event.room_id, userId: event.state_key, displayName, membership } };
  }
  if (event.type === "m.room.redaction") {
    const redacts = typeof event.redacts === "string" ? event.redacts : (event.content.redacts as string | undefined);
    return redacts ? { kind: "remove", removal: { eventId: redacts, roomId: event.room_id } } : null;
  }
  if (event.type !== "m.room.message" || event.unsigned?.redacted_because) return null;
  if (isEdit(event.content)) {
    const newContent = event.content["m.new_content"] as { body?: unknown } | undefined;
    const original = (event.content["m.relates_to"] as { event_id?: unknown }).event_id;
    if (typeof newContent?.body !== "string" || typeof original !== "string") return null;
    const edit = {
      originalId: original,
      roomId: event.room_id,
      sender: event.sender,
      body: newContent.body,
      editedAt: new Date(event.origin_server_ts ?? Date.now()),
    };
    return { kind: "edit", edit };
  }
  if (typeof event.content.body !== "string") return null;
  const message = {
    eventId: event.event_id,
    roomId: event.room_id,
    sender: event.sender,
    body: stripReplyFallback(event.content.body),
    threadRootId: threadRootOf(event.content),
    inReplyTo: replyTargetOf(event.content),
    sentAt: new Date(event.origin_server_ts ?? Date.now()),
  };
  return { kind: "insert", message };
}

/**
 * The fewest statements that leave the room log as applying the events one by one, in
 * order, would. Pending changes are written as new messages, then edits, then removals;
 * a change that must not move before a pending one (a message that a pending edit or
 * removal names, an edit of a message a pending removal names) writes the pending ones
 * first. Of several edits of one message by one sender only the last counts, as each
 * sets the whole text; member changes touch nothing else, and the last of each member wins.
 */
export function planRoomLogWrites(events: readonly MatrixEvent[]): RoomLogWrite[] {
  const writes: RoomLogWrite[] = [];
  let inserts: LoggedMessage[] = [];
  let edits = new Map<string, MessageEdit>();
  let removals = new Map<string, MessageRemoval>();
  const members = new Map<string, MemberState>();
  // Event ids pending edits and removals name: a new message with one of them waits for those.
  const editedIds = new Set<string>();
  const removedIds = new Set<string>();
  const flush = () => {
    if (inserts.length > 0) writes.push({ kind: "insert", messages: inserts });
    for (const edit of edits.values()) writes.push({ kind: "edit", edit });
    if (removals.size > 0) writes.push({ kind: "remove", removals: [...removals.values()] });
    inserts = [];
    edits = new Map();
    removals = new Map();
    editedIds.clear();
    removedIds.clear();
  };
  for (const event of events) {
    const change = roomLogChange(event);
    switch (change?.kind) {
      case "insert":
        if (editedIds.has(change.message.eventId) || removedIds.has(change.message.eventId)) flush();
        inserts.push(change.message);
        break;
      case "edit": {
        if (removedIds.has(change.edit.originalId)) flush();
        const key = JSON.stringify([change.edit.roomId, change.edit.originalId, change.edit.sender]);
        edits.delete(key);
        edits.set(key, change.edit);
        editedIds.add(change.edit.originalId);
        break;
      }
      case "remove":
        removals.set(JSON.stringify([change.removal.roomId, change.removal.eventId]), change.removal);
        removedIds.add(change.removal.eventId);
        break;
      case "member":
        members.set(JSON.stringify([change.member.roomId, change.member.userId]), change.member);
        break;
      case undefined:
        break;
    }
  }
  flush();
  if (members.size > 0) writes.push({ kind: "members", members: [...members.values()] });
  return writes;
}
