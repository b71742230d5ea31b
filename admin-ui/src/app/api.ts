// The console talks to the HTTP API with the CLI's client: it uses only fetch and URL.
export { ApiClient, ApiError } from "../../../cli/src/api/client.ts";
export type { Agent, MeResponse, Member, Project, Stream, Team, TeamDetail } from "../../../cli/src/api/client.ts";
