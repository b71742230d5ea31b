import type { ModelContext } from "./ModelContext.ts";
import { atLeast, roleOf } from "./roles.ts";

/**
 * Whether `userId` may steer the agent (answer its permission requests, stop its turn):
 * its owner always; in a project, also an owner or admin of the project's team.
 */
export async function mayControlAgent(
  ctx: ModelContext,
  agent: { ownerUserId: string },
  teamId: number | null,
  userId: string,
): Promise<boolean> {
  if (userId === agent.ownerUserId) return true;
  if (teamId === null) return false;
  return atLeast(await roleOf(ctx, teamId, userId), "admin");
}
