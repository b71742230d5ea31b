import { z } from "zod";
import { apiError } from "./errors.ts";
import { routes } from "./routes.ts";

/** The OpenAPI 3.1 document of the API, generated from the same route table and schemas the server validates with. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (schema: z.ZodType) => ({
    "application/json": { schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) },
  });
  for (const route of Object.values(routes)) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const parameters = Object.entries(route.params).map(([name, schema]) => ({
      name,
      in: "path",
      required: true,
      schema: z.toJSONSchema(schema, { io: "input" }),
    }));
    const ok = route.status;
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: json(route.body) } } : {}),
      security: [{ matrixToken: [] }],
      responses: {
        [ok]:
          ok === 204 ? { description: "Done" } : { description: "OK", content: json(route.response ?? z.unknown()) },
        default: { description: "An error: what went wrong and what to do", content: json(apiError) },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "aachat API",
      version: "1",
      description:
        "Manage aachat teams, streams, projects and agents. Authenticate with your own Matrix access token " +
        "(Authorization: Bearer); the homeserver vouches for it. Errors are `{ error: { code, message } }`. " +
        "Live updates: GET /api/v1/events (same authentication) is a `text/event-stream` of server-sent events: " +
        "`ready` `{}` once it listens; `agent-runtime` `{ agent, online, connectedAt }` when the runtime of one of " +
        'your agents connects or disconnects; `changed` `{ scope: "teams" | "agents" }` after a change to a ' +
        "team you belong to or to one of your agents (reload what you show). A comment line comes every 25 s.",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    components: {
      securitySchemes: { matrixToken: { type: "http", scheme: "bearer", description: "Your Matrix access token" } },
    },
    paths,
  };
}
