import {
  routes,
  type AnyRoute,
  type RouteBody,
  type RouteParams,
  type RouteQuery,
  type RouteReply,
  type Routes,
} from "@aachat/api";
import type { Request, Response, Router } from "express";
import type { z } from "zod";
import { ApiError } from "./ApiError.ts";

/** What a route's handler gets: the caller and the route's validated parameters, body and query. */
export interface HandlerInput<R extends AnyRoute> {
  caller: string;
  params: RouteParams<R>;
  body: RouteBody<R>;
  query: RouteQuery<R>;
}

/** Implements one route of the API's table. */
export type Handler<R extends AnyRoute> = (input: HandlerInput<R>) => Promise<RouteReply<R>>;

/** One handler per route of the table. */
export type Handlers = { [Name in keyof Routes]: Handler<Routes[Name]> };

/** Mounts every route of the table: each input is validated before its handler runs; a bad one changes nothing. */
export function mountRoutes(router: Router, handlers: Handlers): void {
  for (const name of Object.keys(routes) as (keyof Handlers)[]) {
    const route: AnyRoute = routes[name];
    // Each handler is checked against its own route by Handlers; here they are all alike.
    const handle = handlers[name] as unknown as Handler<AnyRoute>;
    router[route.method](route.path, async (req: Request, res: Response) => {
      const params: Record<string, string> = {};
      for (const [key, schema] of Object.entries(route.params)) {
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
      const result = await handle({ caller: req.caller!.userId, params, body, query });
      if (route.status === 204) res.status(204).end();
      else res.status(route.status).json(result);
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
