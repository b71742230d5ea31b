import * as agents from "../model/agents.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import * as projects from "../model/projects.ts";
import type { Role } from "../model/roles.ts";
import * as sessions from "../model/sessions.ts";
import * as streams from "../model/streams.ts";
import * as teams from "../model/teams.ts";
import * as usage from "../model/usage.ts";
import { status } from "../model/status.ts";
import type { Handlers } from "./mountRoutes.ts";
import { presentAgent, presentSignal } from "./present/agents.ts";
import { presentProject } from "./present/projects.ts";
import { presentStream } from "./present/streams.ts";
import { presentTeam } from "./present/teams.ts";

/** What each route of the API's table does, on validated input; the model's records become the API's views here. */
export function apiHandlers(ctx: ModelContext): Handlers {
  const agentView = (agent: agents.AgentWithProjects) => presentAgent(agent, ctx.runtimes.status(agent.id));
  const teamView = ({ team, role }: teams.TeamWithRole) => presentTeam(team, role);
  const streamView = ({ team, stream }: streams.TeamStream) => presentStream(stream, team);
  const projectView = ({ team, project }: projects.TeamProject) => presentProject(project, team);

  return {
    me: async ({ caller }) => {
      const personal = await teams.ensurePersonalTeam(ctx, caller);
      return { userId: caller, personalTeam: presentTeam(personal, "owner") };
    },
    status: ({ caller }) => status(ctx, caller),
    listTeams: async ({ caller }) => (await teams.listTeams(ctx, caller)).map(teamView),
    createTeam: async ({ caller, body }) => teamView(await teams.createTeam(ctx, caller, body.slug, body.name)),
    getTeam: async ({ caller, params }) => {
      const { team, role } = await teams.findTeam(ctx, caller, params.team);
      const members = await ctx.db.teamMember.findMany({ where: { teamId: team.id }, orderBy: { addedAt: "asc" } });
      const teamStreams = await streams.listStreams(ctx, caller, team.slug);
      const teamProjects = await projects.listProjects(ctx, caller, team.slug);
      return {
        team: presentTeam(team, role),
        members: members.map((m) => ({ userId: m.userId, role: m.role as Role })),
        streams: teamStreams.streams.map((stream) => presentStream(stream, team)),
        projects: teamProjects.projects.map((project) => presentProject(project, team)),
      };
    },
    renameTeam: async ({ caller, params, body }) =>
      teamView(await teams.renameTeam(ctx, caller, params.team, body.name)),
    deleteTeam: ({ caller, params, body }) => teams.deleteTeam(ctx, caller, params.team, body.confirm),
    setMember: ({ caller, params, body }) => teams.setMember(ctx, caller, params.team, params.userId, body.role),
    removeMember: ({ caller, params }) => teams.removeMember(ctx, caller, params.team, params.userId),

    listStreams: async ({ caller, params }) => {
      const { team, streams: list } = await streams.listStreams(ctx, caller, params.team);
      return list.map((stream) => presentStream(stream, team));
    },
    createStream: async ({ caller, params, body }) =>
      streamView(await streams.createStream(ctx, caller, params.team, body.name, body.humansOnly ?? true)),
    updateStream: async ({ caller, params, body }) =>
      streamView(await streams.setHumansOnly(ctx, caller, params.team, params.stream, body.humansOnly)),
    archiveStream: async ({ caller, params }) =>
      streamView(await streams.archiveStream(ctx, caller, params.team, params.stream)),

    listProjects: async ({ caller, params }) => {
      const { team, projects: list } = await projects.listProjects(ctx, caller, params.team);
      return list.map((project) => presentProject(project, team));
    },
    createProject: async ({ caller, params, body }) =>
      projectView(await projects.createProject(ctx, caller, params.team, body.name, body.seed)),
    getProject: async ({ caller, params }) =>
      projectView(await projects.getProject(ctx, caller, params.team, params.project)),
    archiveProject: async ({ caller, params }) =>
      projectView(await projects.archiveProject(ctx, caller, params.team, params.project)),
    joinProject: async ({ caller, params }) =>
      projectView(await projects.joinProject(ctx, caller, params.team, params.project)),
    addProjectAgent: async ({ caller, params }) =>
      projectView(await projects.addAgentToProject(ctx, caller, params.team, params.project, params.agent)),
    removeProjectAgent: async ({ caller, params }) =>
      projectView(await projects.removeAgentFromProject(ctx, caller, params.team, params.project, params.agent)),

    listAgents: async ({ caller }) => (await agents.listAgents(ctx, caller)).map(agentView),
    createAgent: async ({ caller, body }) => {
      const { agent, runtimeToken } = await agents.registerAgent(ctx, caller, body);
      return { agent: agentView(agent), runtimeToken };
    },
    getAgent: async ({ caller, params }) => agentView(await agents.getAgent(ctx, caller, params.agent)),
    updateAgent: async ({ caller, params, body }) =>
      agentView(await agents.updateAgent(ctx, caller, params.agent, body)),
    deleteAgent: ({ caller, params }) => agents.deleteAgent(ctx, caller, params.agent),
    rotateAgentToken: async ({ caller, params }) => ({
      runtimeToken: await agents.rotateToken(ctx, caller, params.agent),
    }),
    revokeAgentToken: ({ caller, params }) => agents.revokeToken(ctx, caller, params.agent),
    getAgentUsage: ({ caller, params }) => usage.usageReport(ctx, caller, params.agent),
    setAgentBudget: ({ caller, params, body }) => usage.setDailyLimit(ctx, caller, params.agent, body.dailyLimitUsd),
    listSignals: async ({ caller, params, query }) =>
      (await agents.listSignals(ctx, caller, params.agent, query.pending !== "false")).map((signal) =>
        presentSignal(params.agent, signal),
      ),

    startSession: ({ caller, params, body }) => sessions.startSession(ctx, caller, params.agent, body.projects),
    stopSession: async ({ caller, params }) => {
      await sessions.controlSession(ctx, caller, params.agent, params.session, "stop");
    },
    restartSession: ({ caller, params }) =>
      sessions.controlSession(ctx, caller, params.agent, params.session, "restart"),
    compactSession: async ({ caller, params }) => {
      await sessions.controlSession(ctx, caller, params.agent, params.session, "compact");
    },
    runtimeLogs: ({ caller, params, query }) => sessions.runtimeLogs(ctx, caller, params.agent, query.lines ?? 100),
  };
}
