import type { RoomEvent } from "./httpHuman.ts";

const STREAM_FIELD = "org.aachat.stream";

/** One message a person sent to the agent, and what its answer must say. */
export interface SentMention {
  eventId: string;
  roomId: string;
  /** A short name for reports, e.g. `m17`. */
  label: string;
  /** Text the final answer must hold in full. */
  expected: string;
}

export interface Tally {
  sent: number;
  /** Exactly one answer, final, holding the whole expected text. */
  answeredOnce: number;
  lost: number;
  /** Answered by more than one message. */
  doubled: number;
  /** One answer, but cut, unfinished or saying something else. */
  truncated: number;
  /** One line per mention that was not answered once, for the failure message. */
  problems: string[];
  /** For each mention answered once: from the homeserver's timestamp of the mention to that of its final text. */
  latenciesMs: number[];
}

interface Answer {
  eventId: string;
  text: string;
  final: boolean;
  /** When the homeserver got the version shown. */
  ts: number;
}

/**
 * Counts, from what the person's client shows, how each mention was answered: the agent's
 * messages that reply to it (notices such as permission questions aside), each with its
 * text after the latest edit.
 */
export function tally(
  mentions: readonly SentMention[],
  timelines: ReadonlyMap<string, RoomEvent[]>,
  agentUserId: string,
): Tally {
  const answers = new Map<string, Answer[]>();
  const sentAt = new Map<string, number>();
  for (const events of timelines.values()) {
    const latest = new Map<string, { text: string; final: boolean; ts: number }>();
    for (const event of events) {
      sentAt.set(event.event_id, event.origin_server_ts);
      if (event.sender !== agentUserId || event.type !== "m.room.message") continue;
      const relation = event.content["m.relates_to"] as
        { rel_type?: string; event_id?: string; "m.in_reply_to"?: { event_id?: string } } | undefined;
      if (relation?.rel_type === "m.replace" && relation.event_id) {
        const shown = (event.content["m.new_content"] ?? {}) as Record<string, unknown>;
        latest.set(relation.event_id, {
          text: String(shown.body ?? ""),
          final: shown[STREAM_FIELD] === "final",
          ts: event.origin_server_ts,
        });
        continue;
      }
      const repliesTo = relation?.["m.in_reply_to"]?.event_id;
      if (!repliesTo || event.content.msgtype === "m.notice") continue;
      const list = answers.get(repliesTo) ?? [];
      list.push({
        eventId: event.event_id,
        text: String(event.content.body ?? ""),
        final: event.content[STREAM_FIELD] === "final",
        ts: event.origin_server_ts,
      });
      answers.set(repliesTo, list);
    }
    for (const list of answers.values()) {
      for (const answer of list) {
        const edited = latest.get(answer.eventId);
        if (edited) Object.assign(answer, edited);
      }
    }
  }
  const result: Tally = {
    sent: mentions.length,
    answeredOnce: 0,
    lost: 0,
    doubled: 0,
    truncated: 0,
    problems: [],
    latenciesMs: [],
  };
  for (const mention of mentions) {
    const list = answers.get(mention.eventId) ?? [];
    if (list.length === 0) {
      result.lost++;
      result.problems.push(`${mention.label}: no answer`);
    } else if (list.length > 1) {
      result.doubled++;
      result.problems.push(
        `${mention.label}: answered ${list.length} times (${list.map((a) => a.eventId).join(", ")})`,
      );
    } else if (!list[0]!.final || !list[0]!.text.includes(mention.expected)) {
      result.truncated++;
      const { text, final } = list[0]!;
      result.problems.push(
        `${mention.label}: ${final ? "final" : "unfinished"} answer ${JSON.stringify(text.slice(0, 200))}`,
      );
    } else {
      result.answeredOnce++;
      const asked = sentAt.get(mention.eventId);
      if (asked !== undefined) result.latenciesMs.push(list[0]!.ts - asked);
    }
  }
  return result;
}
