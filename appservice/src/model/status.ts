import type { Role } from "./roles.ts";
import type { ModelContext } from "./ModelContext.ts";

/** A user's teams and agents, counted. */
export interface StatusSummary {
  userId: string;
  teams: { slug: string; kind: string; myRole: Role; streams: number; projects: number }[];
  agents: { name: string; projects: number; pendingSignals: number }[];
}

export async function status(ctx: ModelContext, caller: string): Promise<StatusSummary> {
  const memberships = await ctx.db.teamMember.findMany({
    where: { userId: caller },
    include: { team: { include: { _count: { select: { streams: true, projects: true } } } } },
    orderBy: { teamId: "asc" },
  });
  const agents = await ctx.db.agent.findMany({
    where: { ownerUserId: caller },
    include: { _count: { select: { projects: true, signals: { where: { acknowledgedAt: null } } } } },
    orderBy: { name: "asc" },
  });
  return {
    userId: caller,
    teams: memberships.map((m) => ({
      slug: m.team.slug,
      kind: m.team.kind,
      myRole: m.role as Role,
      streams: m.team._count.streams,
      projects: m.team._count.projects,
    })),
    agents: agents.map((a) => ({ name: a.name, projects: a._count.projects, pendingSignals: a._count.signals })),
  };
}
