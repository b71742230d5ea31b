import { createHash } from "node:crypto";
import { DomainError } from "../errors/DomainError.ts";
import type { Agent } from "../generated/prisma/client.ts";
import type { UserId } from "../matrix/ids.ts";
import type { ModelContext } from "./ModelContext.ts";

/** A room an agent belongs to: one of its projects, or its DM with its owner. */
export type AgentRoom =
  | { kind: "project"; roomId: string; projectId: number; teamId: number; archived: boolean }
  | { kind: "dm"; roomId: string };

/**
 * The room as the agent may use it: an agent reads and speaks only in its projects and its
 * DM, and never posts in a humans_only stream (the homeserver enforces that too, through
 * power levels; this refuses up front with a message that says why).
 */
export async function agentRoom(
  ctx: ModelContext,
  agent: Pick<Agent, "id" | "name" | "dmRoomId">,
  roomId: string,
  purpose: "read" | "write",
): Promise<AgentRoom> {
  if (roomId === agent.dmRoomId) {
    // Just registered: the puppet may still be joining its DM.
    await ctx.agentFollowUps.settled(agent.id);
    return { kind: "dm", roomId };
  }
  const membership = await ctx.db.projectAgent.findFirst({
    where: { agentId: agent.id, project: { roomId } },
    include: { project: true },
  });
  if (membership) {
    if (purpose === "write" && membership.project.archivedAt !== null) {
      throw new DomainError(
        "forbidden",
        `project '${membership.project.name}' is archived: nobody posts there any more`,
      );
    }
    const { project } = membership;
    return { kind: "project", roomId, projectId: project.id, teamId: project.teamId, archived: !!project.archivedAt };
  }
  const stream = await ctx.db.stream.findUnique({ where: { roomId } });
  if (stream?.humansOnly && purpose === "write") {
    throw new DomainError("forbidden", `stream '${stream.name}' is humans_only: agents can read it but not post`);
  }
  throw new DomainError(
    "forbidden",
    `agent '${agent.name}' is not in that room; add it to the project with \`aachat project add-agent\``,
  );
}

/**
 * Posts as an agent, after the rules of agentRoom. `dedupeKey` names what the message is:
 * the same key never posts twice and resolves with the first message's event id.
 */
export async function sendAsAgent(
  ctx: ModelContext,
  agent: Agent,
  roomId: string,
  content: Record<string, unknown>,
  dedupeKey: string,
  type = "m.room.message",
): Promise<string> {
  await agentRoom(ctx, agent, roomId, "write");
  return ctx.outbound.send({
    roomId,
    sender: agent.userId as UserId,
    type,
    content,
    dedupeKey: `agent:${agent.id}:${dedupeKey}`,
  });
}

/**
 * Edits an agent's message (`content` is the edit event's), after the rules of agentRoom.
 * Idempotent against what the message shows now: asking again for what its latest edit
 * already says is that edit (a retried request); anything else is a new edit, even text
 * it showed before, since a turn run again after a crash regrows its answer and must end
 * on its final edit.
 */
export async function editAsAgent(
  ctx: ModelContext,
  agent: Agent,
  roomId: string,
  replaces: string,
  content: Record<string, unknown>,
): Promise<string> {
  await agentRoom(ctx, agent, roomId, "write");
  const json = JSON.stringify(content);
  const latest = await ctx.db.outboundMessage.findFirst({
    where: { replaces, roomId },
    orderBy: { seq: "desc" },
    select: { txnId: true, content: true },
  });
  if (latest?.content === json) return ctx.outbound.whenSent(latest.txnId);
  const digest = createHash("sha256").update(json).digest("base64url");
  return ctx.outbound.send({
    roomId,
    sender: agent.userId as UserId,
    type: "m.room.message",
    content,
    replaces,
    dedupeKey: `agent:${agent.id}:edit:${replaces}:after:${latest?.txnId ?? "original"}:${digest}`,
  });
}

/** The agent that sent this event, when one of ours did (every agent message goes through the outbound queue). */
export async function agentOfEvent(ctx: ModelContext, eventId: string): Promise<Agent | undefined> {
  const message = await ctx.db.outboundMessage.findFirst({ where: { eventId }, select: { senderId: true } });
  if (!message || message.senderId === ctx.botUserId) return undefined;
  return (await ctx.db.agent.findUnique({ where: { userId: message.senderId } })) ?? undefined;
}
