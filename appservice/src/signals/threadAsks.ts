import { agentOfEvent } from "../model/agentMessages.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import type { AgentInRoom } from "../model/RoomDirectory.ts";

/**
 * Whether the agent takes part in the thread: someone asked it there (its thread root or a
 * reply in it mentioned the agent, or replied to it), or the thread starts from its message.
 */
export async function agentAskedInThread(
  ctx: ModelContext,
  agent: Pick<AgentInRoom, "id">,
  threadRootId: string,
): Promise<boolean> {
  const asked = await ctx.db.signal.count({
    where: {
      agentId: agent.id,
      kind: { in: ["mention", "dm"] },
      OR: [{ threadRootId }, { eventId: threadRootId }],
    },
  });
  if (asked > 0) return true;
  return (await agentOfEvent(ctx, threadRootId))?.id === agent.id;
}
