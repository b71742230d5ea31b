import type { z } from "zod";
import {
  agent,
  apiError,
  createAgentResponse,
  meResponse,
  member,
  project,
  restartSessionResponse,
  rotateTokenResponse,
  runtimeLogsResponse,
  signal,
  startSessionResponse,
  statusResponse,
  stream,
  team,
  teamDetail,
  type createAgentBody,
  type createProjectBody,
  type createStreamBody,
  type createTeamBody,
  type deleteTeamBody,
  type renameTeamBody,
  type setMemberBody,
  type updateAgentBody,
  type updateStreamBody,
} from "../../../appservice/src/api/schemas.ts";

// This client is meant to run in the console (a browser) too: only fetch and URL here.

const API_PREFIX = "/api/v1";
const REQUEST_TIMEOUT_MS = 30_000;

export type MeResponse = z.infer<typeof meResponse>;
export type StatusResponse = z.infer<typeof statusResponse>;
export type TeamDetail = z.infer<typeof teamDetail>;
export type CreateAgentResponse = z.infer<typeof createAgentResponse>;
export type RotateTokenResponse = z.infer<typeof rotateTokenResponse>;
export type Team = z.infer<typeof team>;
export type Member = z.infer<typeof member>;
export type Stream = z.infer<typeof stream>;
export type Project = z.infer<typeof project>;
export type Agent = z.infer<typeof agent>;
export type Signal = z.infer<typeof signal>;
export type StartSessionResponse = z.infer<typeof startSessionResponse>;
export type SessionState = StartSessionResponse["session"];

/** The server answered with `{ error: { code, message } }` (or at least an error status). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: the server is not running, or not at this address. */
export class ServerUnreachableError extends Error {
  override readonly name = "ServerUnreachableError";
  constructor(
    readonly serverUrl: string,
    timeoutMs?: number,
  ) {
    super(
      timeoutMs === undefined
        ? `cannot reach the aachat server at ${serverUrl}; is \`aachat up\` running?`
        : `the aachat server at ${serverUrl} did not answer within ${timeoutMs / 1000} s`,
    );
  }
}

/** The server answered, but not with what the API's schemas say: most likely a different version. */
export class ApiResponseError extends Error {
  override readonly name = "ApiResponseError";
}

export interface ApiClientOptions {
  serverUrl: string;
  accessToken: string;
  fetch?: typeof fetch;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One method per route of the aachat HTTP API; every response is parsed with the API's schemas. */
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

  me(): Promise<MeResponse> {
    return this.#json("GET", "/me", meResponse);
  }

  status(): Promise<StatusResponse> {
    return this.#json("GET", "/status", statusResponse);
  }

  // ---- teams ----

  listTeams(): Promise<Team[]> {
    return this.#json("GET", "/teams", team.array());
  }

  createTeam(body: z.input<typeof createTeamBody>): Promise<Team> {
    return this.#json("POST", "/teams", team, body);
  }

  getTeam(teamRef: string): Promise<TeamDetail> {
    return this.#json("GET", path`/teams/${teamRef}`, teamDetail);
  }

  renameTeam(teamRef: string, body: z.input<typeof renameTeamBody>): Promise<Team> {
    return this.#json("PATCH", path`/teams/${teamRef}`, team, body);
  }

  deleteTeam(teamRef: string, body: z.input<typeof deleteTeamBody>): Promise<void> {
    return this.#empty("DELETE", path`/teams/${teamRef}`, body);
  }

  /** Adds a member, or changes the role of one. */
  setMember(teamRef: string, userId: string, body: z.input<typeof setMemberBody>): Promise<Member> {
    return this.#json("PUT", path`/teams/${teamRef}/members/${userId}`, member, body);
  }

  removeMember(teamRef: string, userId: string): Promise<void> {
    return this.#empty("DELETE", path`/teams/${teamRef}/members/${userId}`);
  }

  // ---- streams ----

  listStreams(teamRef: string): Promise<Stream[]> {
    return this.#json("GET", path`/teams/${teamRef}/streams`, stream.array());
  }

  createStream(teamRef: string, body: z.input<typeof createStreamBody>): Promise<Stream> {
    return this.#json("POST", path`/teams/${teamRef}/streams`, stream, body);
  }

  updateStream(teamRef: string, name: string, body: z.input<typeof updateStreamBody>): Promise<Stream> {
    return this.#json("PATCH", path`/teams/${teamRef}/streams/${name}`, stream, body);
  }

  archiveStream(teamRef: string, name: string): Promise<Stream> {
    return this.#json("POST", path`/teams/${teamRef}/streams/${name}/archive`, stream);
  }

  // ---- projects ----

  listProjects(teamRef: string): Promise<Project[]> {
    return this.#json("GET", path`/teams/${teamRef}/projects`, project.array());
  }

  createProject(teamRef: string, body: z.input<typeof createProjectBody>): Promise<Project> {
    return this.#json("POST", path`/teams/${teamRef}/projects`, project, body);
  }

  getProject(teamRef: string, name: string): Promise<Project> {
    return this.#json("GET", path`/teams/${teamRef}/projects/${name}`, project);
  }

  archiveProject(teamRef: string, name: string): Promise<Project> {
    return this.#json("POST", path`/teams/${teamRef}/projects/${name}/archive`, project);
  }

  /** The caller joins the project's room. */
  joinProject(teamRef: string, name: string): Promise<Project> {
    return this.#json("POST", path`/teams/${teamRef}/projects/${name}/join`, project);
  }

  addProjectAgent(teamRef: string, name: string, agentName: string): Promise<Project> {
    return this.#json("PUT", path`/teams/${teamRef}/projects/${name}/agents/${agentName}`, project);
  }

  removeProjectAgent(teamRef: string, name: string, agentName: string): Promise<Project> {
    return this.#json("DELETE", path`/teams/${teamRef}/projects/${name}/agents/${agentName}`, project);
  }

  // ---- agents (the caller's own) ----

  listAgents(): Promise<Agent[]> {
    return this.#json("GET", "/agents", agent.array());
  }

  /** The response holds the runtime token: the only time it is ever shown. */
  createAgent(body: z.input<typeof createAgentBody>): Promise<CreateAgentResponse> {
    return this.#json("POST", "/agents", createAgentResponse, body);
  }

  getAgent(name: string): Promise<Agent> {
    return this.#json("GET", path`/agents/${name}`, agent);
  }

  /** Applies what the agent's repository says now (display name, avatar, repository URL). */
  updateAgent(name: string, body: z.input<typeof updateAgentBody>): Promise<Agent> {
    return this.#json("PATCH", path`/agents/${name}`, agent, body);
  }

  deleteAgent(name: string): Promise<void> {
    return this.#empty("DELETE", path`/agents/${name}`);
  }

  /** A new runtime token; the old one stops working. */
  rotateAgentToken(name: string): Promise<RotateTokenResponse> {
    return this.#json("POST", path`/agents/${name}/token`, rotateTokenResponse);
  }

  revokeAgentToken(name: string): Promise<void> {
    return this.#empty("DELETE", path`/agents/${name}/token`);
  }

  /** Only those the runtime has not acknowledged yet, or (pending: false) every signal. */
  listSignals(name: string, options: { pending: boolean }): Promise<Signal[]> {
    return this.#json("GET", `${path`/agents/${name}/signals`}?pending=${String(options.pending)}`, signal.array());
  }

  // ---- sessions (through the agent's runtime) ----

  /** Starts a session of the agent covering these projects (`team/project` or `project`). */
  startSession(name: string, projects: string[]): Promise<StartSessionResponse> {
    return this.#json("POST", path`/agents/${name}/sessions`, startSessionResponse, { projects });
  }

  stopSession(name: string, sessionId: string): Promise<void> {
    return this.#empty("POST", path`/agents/${name}/sessions/${sessionId}/stop`);
  }

  async restartSession(name: string, sessionId: string): Promise<SessionState> {
    return (await this.#json("POST", path`/agents/${name}/sessions/${sessionId}/restart`, restartSessionResponse))
      .session;
  }

  compactSession(name: string, sessionId: string): Promise<void> {
    return this.#empty("POST", path`/agents/${name}/sessions/${sessionId}/compact`);
  }

  async runtimeLogs(name: string, lines: number): Promise<string[]> {
    return (await this.#json("GET", `${path`/agents/${name}/runtime/logs`}?lines=${lines}`, runtimeLogsResponse)).lines;
  }

  // ---- transport ----

  async #json<T>(method: Method, route: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const response = await this.#send(method, route, body);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiResponseError(
        `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${route} with something that is not JSON`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      throw new ApiResponseError(
        `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${route} with an unexpected response${where}: ${issue?.message ?? "invalid"} (is it a different aachat version?)`,
      );
    }
    return parsed.data;
  }

  async #empty(method: Method, route: string, body?: unknown): Promise<void> {
    const response = await this.#send(method, route, body);
    await response.body?.cancel();
  }

  async #send(method: Method, route: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#accessToken}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.#fetch(new URL(`${this.serverUrl}${API_PREFIX}${route}`), {
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
    if (!response.ok) throw await this.#errorOf(method, route, response);
    return response;
  }

  async #errorOf(method: Method, route: string, response: Response): Promise<ApiError> {
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
      `the aachat server at ${this.serverUrl} answered ${method} ${API_PREFIX}${route} with HTTP ${response.status}`,
    );
  }
}

/** A route with its parameters URL-encoded, e.g. path`/teams/${team}/members/${userId}`. */
function path(strings: TemplateStringsArray, ...params: string[]): string {
  return strings.reduce((route, part, index) => {
    const param = params[index - 1];
    return `${route}${param === undefined ? "" : encodeURIComponent(param)}${part}`;
  });
}
