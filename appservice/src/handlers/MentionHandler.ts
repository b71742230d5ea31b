import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { findMentions, isEdit, stripReplyFallback, threadRootOf } from "../signals/mentions.ts";

/** Called after new signals are stored, so runtimes can be told at once. */
export type SignalListener = (agentIds: number[]) => void;

/**
 * Turns a message that mentions agents into one signal per agent that is a member of the
 * room's project; any message of an owner in an agent's DM is a signal for that agent.
 * Edits, the bot's and an agent's own messages never make signals; a signal's id comes
 * from (agent, event), so handling the same event twice stores it once.
 */
export class MentionHandler implements EventHandler {
  readonly name = "mentions";

  constructor(
    private readonly ctx: ModelContext,
    private readonly onSignals: SignalListener = () => undefined,
  ) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type === "m.room.redaction") return this.#forgetRedacted(event);
    if (event.type !== "m.room.message" || event.sender === this.ctx.botUserId) return;
    if (isEdit(event.content) || event.unsigned?.redacted_because) return;
    const targets = await this.#targets(event);
    if (targets.length === 0) return;
    const body = typeof event.content.body === "string" ? stripReplyFallback(event.content.body) : "";
    const threadRootId = threadRootOf(event.content);
    let stored = 0;
    for (const target of targets) {
      const id = signalId(target.agentId, event.event_id);
      stored += await this.ctx.db.$executeRaw`
        INSERT OR IGNORE INTO "Signal" ("id", "agentId", "eventId", "roomId", "projectId", "threadRootId", "sender", "body", "createdAt")
        VALUES (${id}, ${target.agentId}, ${event.event_id}, ${event.room_id}, ${target.projectId}, ${threadRootId}, ${event.sender}, ${body}, ${new Date()})`;
    }
    if (stored > 0) {
      log.info({ agents: targets.map((t) => t.agentId), stored }, "stored signals");
      this.onSignals(targets.map((t) => t.agentId));
    }
  }

  async #targets(event: MatrixEvent): Promise<{ agentId: number; projectId: number | null }[]> {
    const room = await this.ctx.rooms.lookup(event.room_id);
    if (room.kind === "dm")
      return event.sender === room.ownerUserId ? [{ agentId: room.agent.id, projectId: null }] : [];
    if (room.kind !== "project" || room.archived) return [];
    const candidates = room.agents.filter((agent) => agent.userId !== event.sender);
    const mentioned = new Set(findMentions(event.content, candidates).map((c) => c.userId));
    return candidates
      .filter((agent) => mentioned.has(agent.userId))
      .map((agent) => ({ agentId: agent.id, projectId: room.projectId }));
  }

  /** A redacted message is no longer something to answer: drop its unacknowledged signals. */
  async #forgetRedacted(event: MatrixEvent): Promise<void> {
    const redacts = typeof event.redacts === "string" ? event.redacts : (event.content.redacts as string | undefined);
    if (!redacts) return;
    await this.ctx.db.signal.deleteMany({ where: { eventId: redacts, roomId: event.room_id, acknowledgedAt: null } });
  }
}

export function signalId(agentId: number, eventId: string): string {
  return `sig_${createHash("sha256").update(`${agentId}:${eventId}`).digest("base64url").slice(0, 24)}`;
}
