import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import { isAgentUserId } from "../matrix/ids.ts";
import { agentOfEvent } from "../model/agentMessages.ts";
import { mayControlAgent } from "../model/control.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import type { AgentInRoom } from "../model/RoomDirectory.ts";
import { storeSignals, type NewSignal } from "../signals/storeSignals.ts";
import type { SignalListener } from "./MentionHandler.ts";

/**
 * Turns a reaction into a signal for the agent it concerns: a reaction to the agent's own
 * message, or to a message that signalled it. Only reactions of someone allowed to steer
 * the agent count (they answer permission requests and stop turns); anyone else's
 * reaction is just a reaction.
 */
export class ReactionHandler implements EventHandler {
  readonly name = "reactions";

  constructor(
    private readonly ctx: ModelContext,
    private readonly onSignals: SignalListener = () => undefined,
  ) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type !== "m.reaction" || event.sender === this.ctx.botUserId) return;
    if (isAgentUserId(event.sender, this.ctx.serverName)) return;
    const relation = event.content["m.relates_to"] as
      { rel_type?: unknown; event_id?: unknown; key?: unknown } | undefined;
    if (relation?.rel_type !== "m.annotation" || typeof relation.event_id !== "string") return;
    if (typeof relation.key !== "string" || relation.key.length === 0 || relation.key.length > 64) return;
    const room = await this.ctx.rooms.lookup(event.room_id);
    let agents: AgentInRoom[];
    let teamId: number | null;
    let projectId: number | null;
    if (room.kind === "dm") [agents, teamId, projectId] = [[room.agent], null, null];
    else if (room.kind === "project" && !room.archived)
      [agents, teamId, projectId] = [room.agents, room.teamId, room.projectId];
    else return;
    const concerned = await this.#concerned(relation.event_id, agents);
    const signals: NewSignal[] = [];
    for (const agent of concerned) {
      if (!(await mayControlAgent(this.ctx, agent, teamId, event.sender))) continue;
      signals.push({
        agentId: agent.id,
        kind: "reaction",
        eventId: event.event_id,
        roomId: event.room_id,
        projectId,
        threadRootId: null,
        inReplyTo: null,
        reaction: { key: relation.key, relatesTo: relation.event_id },
        sender: event.sender,
        senderCanControl: true,
        body: relation.key,
      });
    }
    const stored = await storeSignals(this.ctx.db, signals);
    if (stored > 0) {
      log.info({ agents: signals.map((s) => s.agentId), key: relation.key }, "stored reaction signals");
      this.onSignals(signals.map((s) => s.agentId));
    }
  }

  /** The agents of the room the reacted-to message belongs to: its sender, or the agents it signalled. */
  async #concerned(targetEventId: string, agents: AgentInRoom[]): Promise<AgentInRoom[]> {
    const sender = await agentOfEvent(this.ctx, targetEventId);
    if (sender) return agents.filter((agent) => agent.id === sender.id);
    const signalled = await this.ctx.db.signal.findMany({
      where: { eventId: targetEventId, kind: { not: "reaction" } },
      select: { agentId: true },
    });
    const ids = new Set(signalled.map((s) => s.agentId));
    return agents.filter((agent) => ids.has(agent.id));
  }
}
