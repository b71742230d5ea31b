import type { z } from "zod";
import { ApiError, ApiResponseError, ServerUnreachableError } from "./clientErrors.ts";
import { apiError } from "./errors.ts";
import { buildPath, type AnyRoute, type PathParams, type RouteArgs, type RouteResult } from "./route.ts";
import { routes } from "./routes.ts";
import type * as s from "./schemas.ts";
import type {
  AgentUsageReport,
  Agent,
  CreateAgentResponse,
  MeResponse,
  Member,
  Project,
  RotateTokenResponse,
  Signal,
  StartSessionResponse,
  StatusResponse,
  Stream,
  Team,
  TeamDetail,
} from "./schemas.ts";

// This client runs in the console (a browser) too: only fetch and URL here.

const API_PREFIX = "/api/v1";
const REQUEST_TIMEOUT_MS = 30_000;

export type SessionState = StartSessionResponse["session"];

export interface ApiClientOptions {
  serverUrl: string;
  accessToken: string;
  fetch?: typeof fetch;
}

/** The arguments of `call`: none at all for a route without parameters, body or query. */
type CallArgs<R extends AnyRoute> = object extends RouteArgs<R> ? [args?: RouteArgs<R>] : [args: RouteArgs<R>];

/** The client of the aachat HTTP API: `call` for any route of the table, and a method per route; every response is parsed with the route's schema. */
export class ApiClient {
  readonly serverUrl: string;
  readonly #accessToken: string;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.serverUrl = options.serverUrl.replace(/\/+$/, "");
    this.#accessToken = options.accessToken;
    // A browser's fetch must be called unbound from window, never as a method of this object.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Calls one route: fills in its path, sends its body and query, and parses the answer with its response schema. */
  async call<R extends AnyRoute>(route: R, ...[args]: CallArgs<R>): Promise<RouteResult<R>> {
    const params = args?.params as PathParams<string> | undefined;
    const query = args?.query as Readonly<Record<string, unknown>> | undefined;
    const target = `${buildPath(route.path, params)}${queryString(query)}`;
    const method = route.method.toUpperCase();
    const response = await this.#send(method, target, args?.body);
    if (!route.response) {
      await response.body?.cancel();
      return undefined as RouteResult<R>;
    }
    return (await this.#parse(method, target, response, route.response)) as RouteResult<R>;
  }

  me(): Promise<MeResponse> {
    return this.call(routes.me);
  }

  status(): Promise<StatusResponse> {
    return this.call(routes.status);
  }

  // ---- teams ----

  listTeams(): Promise<Team[]> {
    return this.call(routes.listTeams);
  }

  createTeam(body: z.input<typeof s.createTeamBody>): Promise<Team> {
    return this.call(routes.createTeam, { body });
  }

  getTeam(teamRef: string): Promise<TeamDetail> {
    return this.call(routes.getTeam, { params: { team: teamRef } });
  }

  renameTeam(teamRef: string, body: z.input<typeof s.renameTeamBody>): Promise<Team> {
    return this.call(routes.renameTeam, { params: { team: teamRef }, body });
  }

  deleteTeam(teamRef: string, body: z.input<typeof s.deleteTeamBody>): Promise<void> {
    return this.call(routes.deleteTeam, { params: { team: teamRef }, body });
  }

  /** Adds a member, or changes the role of one. */
  setMember(teamRef: string, userId: string, body: z.input<typeof s.setMemberBody>): Promise<Member> {
    return this.call(routes.setMember, { params: { team: teamRef, userId }, body });
  }

  removeMember(teamRef: string, userId: string): Promise<void> {
    return this.call(routes.removeMember, { params: { team: teamRef, userId } });
  }

  // ---- streams ----

  listStreams(teamRef: string): Promise<Stream[]> {
    return this.call(routes.listStreams, { params: { team: teamRef } });
  }

  createStream(teamRef: string, body: z.input<typeof s.createStreamBody>): Promise<Stream> {
    return this.call(routes.createStream, { params: { team: teamRef }, body });
  }

  updateStream(teamRef: string, name: string, body: z.input<typeof s.updateStreamBody>): Promise<Stream> {
    return this.call(routes.updateStream, { params: { team: teamRef, stream: name }, body });
  }

  archiveStream(teamRef: string, name: string): Promise<Stream> {
    return this.call(routes.archiveStream, { params: { team: teamRef, stream: name } });
  }

  // ---- projects ----

  listProjects(teamRef: string): Promise<Project[]> {
    return this.call(routes.listProjects, { params: { team: teamRef } });
  }

  createProject(teamRef: string, body: z.input<typeof s.createProjectBody>): Promise<Project> {
    return this.call(routes.createProject, { params: { team: teamRef }, body });
  }

  getProject(teamRef: string, name: string): Promise<Project> {
    return this.call(routes.getProject, { params: { team: teamRef, project: name } });
  }

  archiveProject(teamRef: string, name: string): Promise<Project> {
    return this.call(routes.archiveProject, { params: { team: teamRef, project: name } });
  }

  /** The caller joins the project's room. */
  joinProject(teamRef: string, name: string): Promise<Project> {
    return this.call(routes.joinProject, { params: { team: teamRef, project: name } });
  }

  addProjectAgent(teamRef: string, name: string, agentName: string): Promise<Project> {
    return this.call(routes.addProjectAgent, { params: { team: teamRef, project: name, agent: agentName } });
  }

  removeProjectAgent(teamRef: string, name: string, agentName: string): Promise<Project> {
    return this.call(routes.removeProjectAgent, { params: { team: teamRef, project: name, agent: agentName } });
  }

  // ---- agents (the caller's own) ----

  listAgents(): Promise<Agent[]> {
    return this.call(routes.listAgents);
  }

  /** The response holds the runtime token: the only time it is ever shown. */
  createAgent(body: z.input<typeof s.createAgentBody>): Promise<CreateAgentResponse> {
    return this.call(routes.createAgent, { body });
  }

  getAgent(name: string): Promise<Agent> {
    return this.call(routes.getAgent, { params: { agent: name } });
  }

  /** Applies what the agent's repository says now (display name, avatar, repository URL). */
  updateAgent(name: string, body: z.input<typeof s.updateAgentBody>): Promise<Agent> {
    return this.call(routes.updateAgent, { params: { agent: name }, body });
  }

  deleteAgent(name: string): Promise<void> {
    return this.call(routes.deleteAgent, { params: { agent: name } });
  }

  /** A new runtime token; the old one stops working. */
  rotateAgentToken(name: string): Promise<RotateTokenResponse> {
    return this.call(routes.rotateAgentToken, { params: { agent: name } });
  }

  revokeAgentToken(name: string): Promise<void> {
    return this.call(routes.revokeAgentToken, { params: { agent: name } });
  }

  /** Only those the runtime has not acknowledged yet, or (pending: false) every signal. */
  listSignals(name: string, options: { pending: boolean }): Promise<Signal[]> {
    return this.call(routes.listSignals, {
      params: { agent: name },
      query: { pending: options.pending ? "true" : "false" },
    });
  }

  /** What the agent has cost today, this week and in all, and its daily cost limit. */
  agentUsage(name: string): Promise<AgentUsageReport> {
    return this.call(routes.getAgentUsage, { params: { agent: name } });
  }

  /** Sets the agent's daily cost limit in USD; null gives it back the one its environment.yaml sets. */
  setAgentBudget(name: string, dailyLimitUsd: number | null): Promise<AgentUsageReport> {
    return this.call(routes.setAgentBudget, { params: { agent: name }, body: { dailyLimitUsd } });
  }

  // ---- sessions (through the agent's runtime) ----

  /** Starts a session of the agent covering these projects (`team/project` or `project`). */
  startSession(name: string, projects: string[]): Promise<StartSessionResponse> {
    return this.call(routes.startSession, { params: { agent: name }, body: { projects } });
  }

  stopSession(name: string, sessionId: string): Promise<void> {
    return this.call(routes.stopSession, { params: { agent: name, session: sessionId } });
  }

  async restartSession(name: string, sessionId: string): Promise<SessionState> {
    return (await this.call(routes.restartSession, { params: { agent: name, session: sessionId } })).session;
  }

  compactSession(name: string, sessionId: string): Promise<void> {
    return this.call(routes.compactSession, { params: { agent: name, session: sessionId } });
  }

  async runtimeLogs(name: string, lines: number): Promise<string[]> {
    return (await this.call(routes.runtimeLogs, { params: { agent: name }, query: { lines } })).lines;
  }

  // ---- transport ----

  async #parse(method: string, target: string, response: Response, schema: z.ZodType): Promise<unknown> {
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiResponseError(
        `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${target} with something that is not JSON`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      throw new ApiResponseError(
        `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${target} with an unexpected response${where}: ${issue?.message ?? "invalid"} (is it a different aachat version?)`,
      );
    }
    return parsed.data;
  }

  async #send(method: string, target: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#accessToken}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.#fetch(new URL(`${this.serverUrl}${API_PREFIX}${target}`), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") {
        throw new ServerUnreachableError(this.serverUrl, REQUEST_TIMEOUT_MS);
      }
      throw new ServerUnreachableError(this.serverUrl);
    }
    if (!response.ok) throw await this.#errorOf(method, target, response);
    return response;
  }

  async #errorOf(method: string, target: string, response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => "");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = apiError.safeParse(json);
    if (parsed.success) return new ApiError(response.status, parsed.data.error.code, parsed.data.error.message);
    return new ApiError(
      response.status,
      `http_${response.status}`,
      `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${target} with HTTP ${response.status}`,
    );
  }
}

/** `?key=value&…` of a route's query, without the keys left undefined; "" when there is none. */
function queryString(query: Readonly<Record<string, unknown>> | undefined): string {
  const entries = Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]): [string, string] => [key, String(value)]);
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : "";
}
