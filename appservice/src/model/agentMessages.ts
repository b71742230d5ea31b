import { ApiError } from "../api/ApiError.ts";
import type { Agent } from "../generated/prisma/client.ts";
import type { UserId } from "../matrix/ids.ts";
import type { EnqueueResult } from "../matrix/OutboundQueue.ts";
import type { ModelContext } from "./ModelContext.ts";

/**
 * Posts as an agent, after the rules: an agent speaks only in its projects and its DM,
 * never in a humans_only stream. The homeserver enforces humans_only too (power levels);
 * this refuses up front with a message that says why.
 */
export async function sendAsAgent(
  ctx: ModelContext,
  agent: Agent,
  roomId: string,
  content: Record<string, unknown>,
  dedupeKey: string,
  type = "m.room.message",
): Promise<EnqueueResult> {
  const stream = await ctx.db.stream.findUnique({ where: { roomId } });
  if (stream?.humansOnly) {
    throw new ApiError("forbidden", `stream '${stream.name}' is humans_only: agents can read it but not post`);
  }
  const inProject = await ctx.db.projectAgent.findFirst({ where: { agentId: agent.id, project: { roomId } } });
  if (!inProject && roomId !== agent.dmRoomId) {
    throw new ApiError(
      "forbidden",
      `agent '${agent.name}' is not in that room; add it to the project with \`aachat project add-agent\``,
    );
  }
  return ctx.outbound.enqueue({
    roomId,
    sender: agent.userId as UserId,
    type,
    content,
    dedupeKey: `agent:${agent.id}:${dedupeKey}`,
  });
}
