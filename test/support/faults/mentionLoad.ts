import type { HttpHuman, RoomEvent } from "./httpHuman.ts";
import { tally, type SentMention, type Tally } from "./tally.ts";

const STREAM_FIELD = "org.aachat.stream";
/** What the scripted agent answers a permitted `[permission]` turn with. */
const PERMITTED = "permission: allow_once";

export interface LoadTarget {
  /** The agent's user id and display name (its name in a project room's mention). */
  agent: { userId: string; displayName: string };
  projectRoomId: string;
  dmRoomId: string;
}

export type MentionKind = "project" | "dm";

/**
 * A person who keeps writing to an agent (mentions in a project, messages in its DM) while
 * the test breaks things, and counts afterwards how each message was answered. Every send
 * is retried until the homeserver has it, as a client's send queue does.
 */
export class MentionLoad {
  readonly mentions: SentMention[] = [];
  /** Permission questions already answered, by event id. */
  readonly #answered = new Set<string>();
  #count = 0;

  constructor(
    private readonly human: HttpHuman,
    private readonly target: LoadTarget,
  ) {}

  /**
   * Sends one message the agent must answer. The scripted agent answers with exactly the
   * text after `reply:`, streamed in `chunks` edits `delayMs` apart, so the final answer is
   * known, and anything short of it is a truncation.
   */
  async send(
    kind: MentionKind,
    options: { chunks?: number; delayMs?: number; permission?: boolean } = {},
  ): Promise<SentMention> {
    const label = `m${++this.#count}`;
    const roomId = kind === "project" ? this.target.projectRoomId : this.target.dmRoomId;
    const expected = options.permission ? PERMITTED : `answer ${label}: ${"all of it ".repeat(8)}done ${label}.`;
    const directives = [
      options.permission ? "[permission]" : `[reply:${expected}]`,
      `[chunks:${options.chunks ?? 2}]`,
      options.delayMs ? `[delay:${options.delayMs}]` : "",
    ].join("");
    const body =
      kind === "project" ? `${this.target.agent.displayName}, ${label} ${directives}` : `${label} ${directives}`;
    const content: Record<string, unknown> = { msgtype: "m.text", body };
    if (kind === "project") content["m.mentions"] = { user_ids: [this.target.agent.userId] };
    const eventId = await this.human.send(roomId, content);
    const mention = { eventId, roomId, label, expected };
    this.mentions.push(mention);
    return mention;
  }

  /** Sends `count` messages one after another, every third one in the DM. */
  async sendMany(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.send(i % 3 === 2 ? "dm" : "project");
  }

  async timelines(): Promise<Map<string, RoomEvent[]>> {
    const rooms = [this.target.projectRoomId, this.target.dmRoomId];
    return new Map(
      await Promise.all(rooms.map(async (roomId) => [roomId, await this.human.timeline(roomId)] as const)),
    );
  }

  tally(timelines: Map<string, RoomEvent[]>): Tally {
    return tally(this.mentions, timelines, this.target.agent.userId);
  }

  /**
   * Waits until every message sent so far has one final answer, answering permission
   * questions as they come (unless `answerPermissions` is false); resolves with the count,
   * or with the count as it stands at the deadline.
   */
  async settle(timeoutMs: number, answerPermissions = true): Promise<Tally> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const timelines = await this.timelines();
      if (answerPermissions) await this.answerPermissions(timelines);
      const count = this.tally(timelines);
      if (count.answeredOnce + count.doubled + count.truncated === count.sent && count.truncated === 0) return count;
      if (Date.now() > deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Waits until the agent's answer to `mention` is in the room and still being written. */
  async waitForPartialAnswer(mention: SentMention, timeoutMs = 60_000): Promise<void> {
    await this.#waitFor(mention.roomId, `a partial answer to ${mention.label}`, timeoutMs, (events) =>
      events.some(
        (event) =>
          event.sender === this.target.agent.userId &&
          repliesTo(event) === mention.eventId &&
          event.content[STREAM_FIELD] === "partial",
      ),
    );
  }

  /** Waits until the agent asks for permission in answer to `mention`. */
  async waitForPermissionQuestion(mention: SentMention, timeoutMs = 60_000): Promise<void> {
    await this.#waitFor(mention.roomId, `a permission question about ${mention.label}`, timeoutMs, (events) =>
      events.some(
        (event) => isPermissionQuestion(event, this.target.agent.userId) && repliesTo(event) === mention.eventId,
      ),
    );
  }

  /** Picks the first option (1️⃣) of every permission question not answered yet, as the agent's owner. */
  async answerPermissions(timelines: Map<string, RoomEvent[]>): Promise<void> {
    for (const [roomId, events] of timelines) {
      for (const event of events) {
        if (!isPermissionQuestion(event, this.target.agent.userId) || this.#answered.has(event.event_id)) continue;
        this.#answered.add(event.event_id);
        await this.human.react(roomId, event.event_id, "1️⃣");
      }
    }
  }

  async #waitFor(
    roomId: string,
    description: string,
    timeoutMs: number,
    found: (events: RoomEvent[]) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!found(await this.human.timeline(roomId))) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function repliesTo(event: RoomEvent): string | undefined {
  const relation = event.content["m.relates_to"] as { "m.in_reply_to"?: { event_id?: string } } | undefined;
  return relation?.["m.in_reply_to"]?.event_id;
}

function isPermissionQuestion(event: RoomEvent, agentUserId: string): boolean {
  return (
    event.sender === agentUserId &&
    event.type === "m.room.message" &&
    event.content.msgtype === "m.notice" &&
    String(event.content.body ?? "").includes("Permission needed")
  );
}
