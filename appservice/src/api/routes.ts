import type { Request, Response, Router } from "express";
import { z } from "zod";
import * as agents from "../model/agents.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import * as projects from "../model/projects.ts";
import * as sessions from "../model/sessions.ts";
import * as streams from "../model/streams.ts";
import * as teams from "../model/teams.ts";
import { status } from "../model/status.ts";
import { ApiError } from "./ApiError.ts";
import * as s from "./schemas.ts";

type Method = "get" | "post" | "put" | "patch" | "delete";

/** One API route: its shape (for validation and the OpenAPI document) and what it does. */
export interface Route {
  method: Method;
  path: string;
  summary: string;
  params?: Record<string, z.ZodType<string>>;
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  handle(input: { caller: string; params: Record<string, string>; body: never; query: never }): Promise<unknown>;
}

const team = s.teamRef;
const name = s.roomName;

export function apiRoutes(ctx: ModelContext): Route[] {
  const route = <B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    r: Omit<Route, "handle" | "body" | "query"> & {
      body?: B;
      query?: Q;
      handle(input: {
        caller: string;
        params: Record<string, string>;
        body: B extends z.ZodType ? z.output<B> : undefined;
        query: Q extends z.ZodType ? z.output<Q> : undefined;
      }): Promise<unknown>;
    },
  ): Route => r as unknown as Route;

  return [
    route({
      method: "get",
      path: "/me",
      summary: "Who you are, and your personal team",
      response: s.meResponse,
      handle: async ({ caller }) => {
        const personal = await teams.ensurePersonalTeam(ctx, caller);
        return { userId: caller, personalTeam: teams.presentTeam(personal, "owner") };
      },
    }),
    route({
      method: "get",
      path: "/status",
      summary: "A summary of your teams and agents",
      response: s.statusResponse,
      handle: ({ caller }) => status(ctx, caller),
    }),
    route({
      method: "get",
      path: "/teams",
      summary: "Your teams",
      response: z.array(s.team),
      handle: ({ caller }) => teams.listTeams(ctx, caller),
    }),
    route({
      method: "post",
      path: "/teams",
      summary: "Create an organisation team (you become its owner)",
      body: s.createTeamBody,
      response: s.team,
      status: 201,
      handle: ({ caller, body }) => teams.createTeam(ctx, caller, body.slug, body.name),
    }),
    route({
      method: "get",
      path: "/teams/:team",
      summary: "A team with its members, streams and projects",
      params: { team },
      response: s.teamDetail,
      handle: async ({ caller, params }) => {
        const { team: row, role } = await teams.findTeam(ctx, caller, params.team!);
        const members = await ctx.db.teamMember.findMany({ where: { teamId: row.id }, orderBy: { addedAt: "asc" } });
        return {
          team: teams.presentTeam(row, role),
          members: members.map((m) => ({ userId: m.userId, role: m.role })),
          streams: await streams.listStreams(ctx, caller, row.slug),
          projects: await projects.listProjects(ctx, caller, row.slug),
        };
      },
    }),
    route({
      method: "patch",
      path: "/teams/:team",
      summary: "Rename a team (admin)",
      params: { team },
      body: s.renameTeamBody,
      response: s.team,
      handle: ({ caller, params, body }) => teams.renameTeam(ctx, caller, params.team!, body.name),
    }),
    route({
      method: "delete",
      path: "/teams/:team",
      summary: "Delete a team (owner); confirm by repeating its slug",
      params: { team },
      body: s.deleteTeamBody,
      status: 204,
      handle: ({ caller, params, body }) => teams.deleteTeam(ctx, caller, params.team!, body.confirm),
    }),
    route({
      method: "put",
      path: "/teams/:team/members/:userId",
      summary: "Add a member or change their role (admin; owners only by an owner)",
      params: { team, userId: s.matrixUserId },
      body: s.setMemberBody,
      response: s.member,
      handle: ({ caller, params, body }) => teams.setMember(ctx, caller, params.team!, params.userId!, body.role),
    }),
    route({
      method: "delete",
      path: "/teams/:team/members/:userId",
      summary: "Remove a member (admin, or yourself)",
      params: { team, userId: s.matrixUserId },
      status: 204,
      handle: ({ caller, params }) => teams.removeMember(ctx, caller, params.team!, params.userId!),
    }),
    route({
      method: "get",
      path: "/teams/:team/streams",
      summary: "A team's streams",
      params: { team },
      response: z.array(s.stream),
      handle: ({ caller, params }) => streams.listStreams(ctx, caller, params.team!),
    }),
    route({
      method: "post",
      path: "/teams/:team/streams",
      summary: "Create a stream (humans_only unless humansOnly is false)",
      params: { team },
      body: s.createStreamBody,
      response: s.stream,
      status: 201,
      handle: ({ caller, params, body }) =>
        streams.createStream(ctx, caller, params.team!, body.name, body.humansOnly ?? true),
    }),
    route({
      method: "patch",
      path: "/teams/:team/streams/:stream",
      summary: "Switch humans_only (admin)",
      params: { team, stream: name },
      body: s.updateStreamBody,
      response: s.stream,
      handle: ({ caller, params, body }) =>
        streams.setHumansOnly(ctx, caller, params.team!, params.stream!, body.humansOnly),
    }),
    route({
      method: "post",
      path: "/teams/:team/streams/:stream/archive",
      summary: "Archive a stream (admin)",
      params: { team, stream: name },
      response: s.stream,
      handle: ({ caller, params }) => streams.archiveStream(ctx, caller, params.team!, params.stream!),
    }),
    route({
      method: "get",
      path: "/teams/:team/projects",
      summary: "A team's projects",
      params: { team },
      response: z.array(s.project),
      handle: ({ caller, params }) => projects.listProjects(ctx, caller, params.team!),
    }),
    route({
      method: "post",
      path: "/teams/:team/projects",
      summary: "Create a project, optionally seeded from a stream message",
      params: { team },
      body: s.createProjectBody,
      response: s.project,
      status: 201,
      handle: ({ caller, params, body }) => projects.createProject(ctx, caller, params.team!, body.name, body.seed),
    }),
    route({
      method: "get",
      path: "/teams/:team/projects/:project",
      summary: "A project",
      params: { team, project: name },
      response: s.project,
      handle: ({ caller, params }) => projects.getProject(ctx, caller, params.team!, params.project!),
    }),
    route({
      method: "post",
      path: "/teams/:team/projects/:project/archive",
      summary: "Archive a project (admin)",
      params: { team, project: name },
      response: s.project,
      handle: ({ caller, params }) => projects.archiveProject(ctx, caller, params.team!, params.project!),
    }),
    route({
      method: "post",
      path: "/teams/:team/projects/:project/join",
      summary: "Join a project's room (you are invited)",
      params: { team, project: name },
      response: s.project,
      handle: ({ caller, params }) => projects.joinProject(ctx, caller, params.team!, params.project!),
    }),
    route({
      method: "put",
      path: "/teams/:team/projects/:project/agents/:agent",
      summary: "Add your agent to a project: its puppet joins the room",
      params: { team, project: name, agent: s.agentName },
      response: s.project,
      handle: ({ caller, params }) =>
        projects.addAgentToProject(ctx, caller, params.team!, params.project!, params.agent!),
    }),
    route({
      method: "delete",
      path: "/teams/:team/projects/:project/agents/:agent",
      summary: "Remove your agent from a project: its puppet leaves the room",
      params: { team, project: name, agent: s.agentName },
      response: s.project,
      handle: ({ caller, params }) =>
        projects.removeAgentFromProject(ctx, caller, params.team!, params.project!, params.agent!),
    }),
    route({
      method: "get",
      path: "/agents",
      summary: "Your agents",
      response: z.array(s.agent),
      handle: ({ caller }) => agents.listAgents(ctx, caller),
    }),
    route({
      method: "post",
      path: "/agents",
      summary: "Register an agent; its runtime token is returned once",
      body: s.createAgentBody,
      response: s.createAgentResponse,
      status: 201,
      handle: ({ caller, body }) => agents.registerAgent(ctx, caller, body),
    }),
    route({
      method: "get",
      path: "/agents/:agent",
      summary: "One of your agents",
      params: { agent: s.agentName },
      response: s.agent,
      handle: ({ caller, params }) => agents.getAgent(ctx, caller, params.agent!),
    }),
    route({
      method: "patch",
      path: "/agents/:agent",
      summary: "Update your agent from its repository: display name, avatar (mxc://), repository URL",
      params: { agent: s.agentName },
      body: s.updateAgentBody,
      response: s.agent,
      handle: ({ caller, params, body }) => agents.updateAgent(ctx, caller, params.agent!, body),
    }),
    route({
      method: "delete",
      path: "/agents/:agent",
      summary: "Delete your agent: it leaves every room and its token stops working",
      params: { agent: s.agentName },
      status: 204,
      handle: ({ caller, params }) => agents.deleteAgent(ctx, caller, params.agent!),
    }),
    route({
      method: "post",
      path: "/agents/:agent/token",
      summary: "Rotate the runtime token (the old one stops working); returned once",
      params: { agent: s.agentName },
      response: s.rotateTokenResponse,
      handle: async ({ caller, params }) => ({ runtimeToken: await agents.rotateToken(ctx, caller, params.agent!) }),
    }),
    route({
      method: "delete",
      path: "/agents/:agent/token",
      summary: "Revoke the runtime token",
      params: { agent: s.agentName },
      status: 204,
      handle: ({ caller, params }) => agents.revokeToken(ctx, caller, params.agent!),
    }),
    route({
      method: "get",
      path: "/agents/:agent/signals",
      summary: "Your agent's signals (pending only unless pending=false)",
      params: { agent: s.agentName },
      query: z.strictObject({ pending: z.enum(["true", "false"]).optional() }),
      response: z.array(s.signal),
      handle: ({ caller, params, query }) => agents.listSignals(ctx, caller, params.agent!, query.pending !== "false"),
    }),
    route({
      method: "post",
      path: "/agents/:agent/sessions",
      summary: "Start a session of your agent covering these projects (its runtime must be running)",
      params: { agent: s.agentName },
      body: s.startSessionBody,
      response: s.startSessionResponse,
      status: 201,
      handle: ({ caller, params, body }) => sessions.startSession(ctx, caller, params.agent!, body.projects),
    }),
    route({
      method: "post",
      path: "/agents/:agent/sessions/:session/stop",
      summary: "Stop a session: its turn is cancelled, its memory published, its agent process ended",
      params: { agent: s.agentName, session: s.sessionIdParam },
      status: 204,
      handle: async ({ caller, params }) => {
        await sessions.controlSession(ctx, caller, params.agent!, params.session!, "stop");
      },
    }),
    route({
      method: "post",
      path: "/agents/:agent/sessions/:session/restart",
      summary: "Restart a session with the same coverage, resuming its conversation where the agent supports it",
      params: { agent: s.agentName, session: s.sessionIdParam },
      response: s.restartSessionResponse,
      handle: ({ caller, params }) => sessions.controlSession(ctx, caller, params.agent!, params.session!, "restart"),
    }),
    route({
      method: "post",
      path: "/agents/:agent/sessions/:session/compact",
      summary: "Ask the session's agent to compact its conversation (/compact) after its current turn",
      params: { agent: s.agentName, session: s.sessionIdParam },
      status: 204,
      handle: async ({ caller, params }) => {
        await sessions.controlSession(ctx, caller, params.agent!, params.session!, "compact");
      },
    }),
    route({
      method: "get",
      path: "/agents/:agent/runtime/logs",
      summary: "The last lines of your agent's runtime log (lines=1-1000, default 100)",
      params: { agent: s.agentName },
      query: s.logLinesQuery,
      response: s.runtimeLogsResponse,
      handle: ({ caller, params, query }) => sessions.runtimeLogs(ctx, caller, params.agent!, query.lines ?? 100),
    }),
  ];
}

/** Mounts the routes: each input is validated before its handler runs; a bad one changes nothing. */
export function mountRoutes(router: Router, routes: readonly Route[]): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const params: Record<string, string> = {};
      for (const [key, schema] of Object.entries(route.params ?? {})) {
        const parsed = schema.safeParse(req.params[key]);
        if (!parsed.success)
          throw new ApiError(
            "invalid_request",
            `${key} '${String(req.params[key])}' ${parsed.error.issues[0]?.message ?? "is invalid"}`,
          );
        params[key] = parsed.data;
      }
      const body = parse(route.body, req.body ?? {}, "body");
      const query = parse(route.query, req.query, "query");
      const result = await route.handle({
        caller: req.caller!.userId,
        params,
        body: body as never,
        query: query as never,
      });
      if (route.status === 204) res.status(204).end();
      else res.status(route.status ?? 200).json(result);
    });
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : issue?.path.join(".");
  const problem = issue?.code === "unrecognized_keys" ? "unknown field" : issue?.message;
  throw new ApiError("invalid_request", `${where}${key ? ` ${key}` : ""}: ${problem ?? "invalid"}`);
}
