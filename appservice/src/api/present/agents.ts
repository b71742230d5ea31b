import type { Agent as AgentView, Signal as SignalView } from "@aachat/api";
import type { AgentSignal, AgentWithProjects } from "../../model/agents.ts";
import type { RuntimeStatus } from "../../model/ModelContext.ts";

export function presentAgent(agent: AgentWithProjects, runtime: RuntimeStatus): AgentView {
  return {
    name: agent.name,
    userId: agent.userId,
    owner: agent.ownerUserId,
    displayName: agent.displayName,
    repoUrl: agent.repoUrl,
    avatarUrl: agent.avatarUrl,
    dmRoomId: agent.dmRoomId,
    projects: agent.projects.map((m) => ({ team: m.project.team.slug, project: m.project.name })),
    tokenIssuedAt: agent.tokenIssuedAt?.toISOString() ?? null,
    runtime: {
      online: runtime.online,
      connectedAt: runtime.connectedAt?.toISOString() ?? null,
      state: runtime.state,
    },
    createdAt: agent.createdAt.toISOString(),
  };
}

export function presentSignal(agentName: string, { signal, project }: AgentSignal): SignalView {
  return {
    id: signal.id,
    agent: agentName,
    team: project?.team.slug ?? null,
    project: project?.name ?? null,
    roomId: signal.roomId,
    eventId: signal.eventId,
    threadRootId: signal.threadRootId,
    sender: signal.sender,
    body: signal.body,
    createdAt: signal.createdAt.toISOString(),
    acknowledgedAt: signal.acknowledgedAt?.toISOString() ?? null,
  };
}
