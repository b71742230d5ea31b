import { describe, expect, it } from "vitest";
import type { RoomEvent } from "../support/faults/httpHuman.ts";
import { tally, type SentMention } from "../support/faults/tally.ts";

const AGENT = "@agent_steady:localhost";
const ROOM = "!room";

const mention = (label: string): SentMention => ({
  eventId: `$${label}`,
  roomId: ROOM,
  label,
  expected: `answer ${label}`,
});

let ts = 1_000;
function answer(id: string, to: string, body: string, stream: "partial" | "final", msgtype = "m.text"): RoomEvent {
  return {
    event_id: id,
    type: "m.room.message",
    sender: AGENT,
    origin_server_ts: (ts += 10),
    content: { msgtype, body, "org.aachat.stream": stream, "m.relates_to": { "m.in_reply_to": { event_id: to } } },
  };
}
function edit(id: string, of: string, body: string, stream: "partial" | "final"): RoomEvent {
  return {
    event_id: id,
    type: "m.room.message",
    sender: AGENT,
    origin_server_ts: (ts += 10),
    content: {
      msgtype: "m.text",
      body: `* ${body}`,
      "m.new_content": { msgtype: "m.text", body, "org.aachat.stream": stream },
      "m.relates_to": { rel_type: "m.replace", event_id: of },
    },
  };
}
const asked = (label: string): RoomEvent => ({
  event_id: `$${label}`,
  type: "m.room.message",
  sender: "@alice:localhost",
  origin_server_ts: (ts += 10),
  content: { msgtype: "m.text", body: label },
});

describe("counting how each message was answered", () => {
  it("tells answered once (after its final edit), lost, doubled and cut apart", () => {
    const events = [
      asked("a"),
      asked("b"),
      asked("c"),
      asked("d"),
      answer("$ra", "$a", "answ", "partial"),
      edit("$ra2", "$ra", "answer a, whole", "final"),
      answer("$rc1", "$c", "answer c", "final"),
      answer("$rc2", "$c", "answer c", "final"),
      answer("$rd", "$d", "answer", "partial"),
      answer("$q", "$b", "🔐 Permission needed", "final", "m.notice"),
    ];
    const count = tally([mention("a"), mention("b"), mention("c"), mention("d")], new Map([[ROOM, events]]), AGENT);
    expect(count).toMatchObject({ sent: 4, answeredOnce: 1, lost: 1, doubled: 1, truncated: 1 });
    expect(count.problems).toEqual([
      "b: no answer",
      "c: answered 2 times ($rc1, $rc2)",
      'd: unfinished answer "answer"',
    ]);
    expect(count.latenciesMs).toEqual([events[5]!.origin_server_ts - events[0]!.origin_server_ts]);
  });

  it("counts a final answer that says something else as cut", () => {
    const events = [asked("a"), answer("$ra", "$a", "⚠️ The agent could not answer", "final")];
    expect(tally([mention("a")], new Map([[ROOM, events]]), AGENT)).toMatchObject({ answeredOnce: 0, truncated: 1 });
  });
});
