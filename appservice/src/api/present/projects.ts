import type { Project as ProjectView } from "@aachat/api";
import type { Team } from "../../generated/prisma/client.ts";
import type { ProjectWithAgents } from "../../model/projects.ts";

export function presentProject(project: ProjectWithAgents, team: Pick<Team, "slug">): ProjectView {
  return {
    team: team.slug,
    name: project.name,
    roomId: project.roomId,
    archived: project.archivedAt !== null,
    agents: project.agents.map((membership) => membership.agent.name).sort(),
    seededFrom:
      project.seedRoomId && project.seedEventId ? { roomId: project.seedRoomId, eventId: project.seedEventId } : null,
    createdAt: project.createdAt.toISOString(),
  };
}
