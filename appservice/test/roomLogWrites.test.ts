import { describe, expect, it } from "vitest";
import { planRoomLogWrites, roomLogChange, type RoomLogWrite } from "../src/handlers/roomLogWrites.ts";
import type { MatrixEvent } from "../src/matrix/events.ts";

/** The room log as the database would hold it, with the statements' own semantics. */
interface Log {
  messages: Map<string, { roomId: string; sender: string; body: string; edited: boolean }>;
  members: Map<string, string>;
}

function apply(log: Log, write: RoomLogWrite): void {
  switch (write.kind) {
    case "insert":
      for (const m of write.messages) {
        if (!log.messages.has(m.eventId))
          log.messages.set(m.eventId, { roomId: m.roomId, sender: m.sender, body: m.body, edited: false });
      }
      return;
    case "edit": {
      const row = log.messages.get(write.edit.originalId);
      if (row && row.roomId === write.edit.roomId && row.sender === write.edit.sender)
        Object.assign(row, { body: write.edit.body, edited: true });
      return;
    }
    case "remove":
      for (const r of write.removals)
        if (log.messages.get(r.eventId)?.roomId === r.roomId) log.messages.delete(r.eventId);
      return;
    case "members":
      for (const m of write.members) log.members.set(`${m.roomId} ${m.userId}`, `${m.membership}:${m.displayName}`);
      return;
  }
}

/** Applying the events one at a time, as the inbox did before batches. */
function oneByOne(events: MatrixEvent[]): Log {
  const log: Log = { messages: new Map(), members: new Map() };
  for (const event of events) for (const write of planRoomLogWrites([event])) apply(log, write);
  return log;
}

function batched(events: MatrixEvent[]): Log {
  const log: Log = { messages: new Map(), members: new Map() };
  for (const write of planRoomLogWrites(events)) apply(log, write);
  return log;
}

let n = 0;
const base = (room: string, sender: string) => ({
  event_id: `$e${n++}`,
  room_id: room,
  sender,
  origin_server_ts: 1_700_000_000_000 + n,
});
const message = (room: string, sender: string, body: string): MatrixEvent => ({
  ...base(room, sender),
  type: "m.room.message",
  content: { msgtype: "m.text", body },
});
const edit = (room: string, sender: string, original: string, body: string): MatrixEvent => ({
  ...base(room, sender),
  type: "m.room.message",
  content: {
    msgtype: "m.text",
    body: `* ${body}`,
    "m.new_content": { msgtype: "m.text", body },
    "m.relates_to": { rel_type: "m.replace", event_id: original },
  },
});
const redaction = (room: string, sender: string, redacts: string): MatrixEvent => ({
  ...base(room, sender),
  type: "m.room.redaction",
  redacts,
  content: {},
});
const member = (room: string, user: string, membership: string, displayname: string): MatrixEvent => ({
  ...base(room, user),
  type: "m.room.member",
  state_key: user,
  content: { membership, displayname },
});

describe("planRoomLogWrites", () => {
  it("writes a run of messages from several rooms in one statement, in arrival order", () => {
    const events = [message("!a", "@x", "one"), message("!b", "@y", "two"), message("!a", "@x", "three")];
    const writes = planRoomLogWrites(events);
    const [write, ...rest] = writes;
    expect(rest).toEqual([]);
    expect(write?.kind === "insert" && write.messages.map((m) => m.body)).toEqual(["one", "two", "three"]);
  });

  it("keeps only the last of a streamed answer's edits, written after the message", () => {
    const original = message("!a", "@agent", "…");
    const events = [original, ...["a", "ab", "abc"].map((body) => edit("!a", "@agent", original.event_id, body))];
    const writes = planRoomLogWrites(events);
    expect(writes.map((w) => w.kind)).toEqual(["insert", "edit"]);
    expect(writes[1]).toMatchObject({ kind: "edit", edit: { originalId: original.event_id, body: "abc" } });
    expect(batched(events).messages.get(original.event_id)?.body).toBe("abc");
  });

  it("does not move a message before an edit or a redaction naming it", () => {
    // Out of order (federation can deliver so): the edit and the redaction came first and found nothing.
    const late = message("!a", "@x", "late");
    const events = [edit("!a", "@x", late.event_id, "edited"), redaction("!a", "@y", "$gone"), late];
    const redacted = message("!a", "@x", "redacted later");
    const more = [redaction("!a", "@x", redacted.event_id), { ...redacted }];
    expect(batched([...events, ...more])).toEqual(oneByOne([...events, ...more]));
    expect(batched(events).messages.get(late.event_id)?.body).toBe("late");
    expect(batched(more).messages.has(redacted.event_id)).toBe(true);
  });

  it("takes the last membership of each member, and ignores what the log does not keep", () => {
    const events = [
      member("!a", "@x", "invite", "X"),
      { ...base("!a", "@x"), type: "m.room.topic", state_key: "", content: { topic: "t" } },
      member("!a", "@x", "join", "Xavier"),
      member("!b", "@x", "join", "X in b"),
    ];
    const writes = planRoomLogWrites(events);
    expect(writes).toEqual([
      {
        kind: "members",
        members: [
          { roomId: "!a", userId: "@x", displayName: "Xavier", membership: "join" },
          { roomId: "!b", userId: "@x", displayName: "X in b", membership: "join" },
        ],
      },
    ]);
    expect(roomLogChange(events[1]!)).toBeNull();
  });

  it("leaves the log as handling the events one at a time would, for any mix", () => {
    // A fixed pseudo-random sequence: messages, edits (by the sender or not), redactions, members, two rooms.
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 50; round++) {
      const events: MatrixEvent[] = [];
      const sent: MatrixEvent[] = [];
      for (let i = 0; i < 40; i++) {
        const room = random(2) === 0 ? "!a" : "!b";
        const sender = random(2) === 0 ? "@x" : "@y";
        const target = sent[random(sent.length + 1)]?.event_id ?? "$unknown";
        const kind = random(10);
        const event =
          kind < 4
            ? message(room, sender, `m${i}`)
            : kind < 7
              ? edit(room, sender, target, `edit ${i}`)
              : kind < 9
                ? redaction(room, sender, target)
                : member(room, sender, random(2) === 0 ? "join" : "leave", `name ${i}`);
        if (event.type === "m.room.message") sent.push(event);
        events.push(event);
      }
      // Now and then a message arrives after what names it.
      if (random(2) === 0 && sent.length > 0) events.push({ ...sent[0]!, event_id: sent[0]!.event_id });
      expect(batched(events)).toEqual(oneByOne(events));
    }
  });
});
