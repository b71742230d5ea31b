import type { z } from "zod";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** The names of a path's `:name` segments: `"team" | "userId"` for `/teams/:team/members/:userId`. */
export type PathParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<Rest>
  : Path extends `${string}:${infer Name}`
    ? Name
    : never;

/** A path's parameters by name, e.g. `{ team: string; userId: string }`. */
export type PathParams<Path extends string> = { [Name in PathParamNames<Path>]: string };

/** One zod schema per path parameter; any names when the path is not known. */
export type ParamSchemas<Path extends string> = string extends Path
  ? Readonly<Record<string, z.ZodType<string>>>
  : { readonly [Name in PathParamNames<Path>]: z.ZodType<string> };

type Schema = z.ZodType | undefined;

/** One route of the API: what the server validates, the client sends and parses, and OpenAPI describes. */
export interface Route<
  Path extends string = string,
  Body extends Schema = Schema,
  Query extends Schema = Schema,
  Response extends Schema = Schema,
> {
  readonly method: Method;
  /** Express-style: `/teams/:team/streams/:stream`, below /api/v1. */
  readonly path: Path;
  readonly summary: string;
  readonly params: ParamSchemas<Path>;
  readonly body: Body;
  readonly query: Query;
  /** Absent on the routes that answer 204 with no body. */
  readonly response: Response;
  /** The status of a success. */
  readonly status: number;
}

/** Any route of the table. */
export type AnyRoute = Route<string, Schema, Schema, Schema>;

type Output<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;
type Input<S extends Schema> = S extends z.ZodType ? z.input<S> : undefined;

/** The validated body, query and parameters a route's handler gets. */
export type RouteBody<R extends AnyRoute> = Output<R["body"]>;
export type RouteQuery<R extends AnyRoute> = Output<R["query"]>;
export type RouteParams<R extends AnyRoute> = PathParams<R["path"]>;
/** What the server sends (the response schema's input) and what the client gets back (its output). */
export type RouteReply<R extends AnyRoute> = R["response"] extends z.ZodType ? z.input<R["response"]> : unknown;
export type RouteResult<R extends AnyRoute> = R["response"] extends z.ZodType ? z.output<R["response"]> : undefined;

/** What a caller passes for a route: path parameters, body and query where the route has them. */
export type RouteArgs<R extends AnyRoute> = ([PathParamNames<R["path"]>] extends [never]
  ? { params?: undefined }
  : { params: RouteParams<R> }) &
  (R["body"] extends z.ZodType ? { body: Input<R["body"]> } : { body?: undefined }) &
  (R["query"] extends z.ZodType ? { query: Input<R["query"]> } : { query?: undefined });

/** Declares a route; `params` is required exactly when the path has `:name` segments. */
export function route<
  const Path extends string,
  Body extends Schema = undefined,
  Query extends Schema = undefined,
  Response extends Schema = undefined,
>(
  definition: {
    method: Method;
    path: Path;
    summary: string;
    body?: Body;
    query?: Query;
    response?: Response;
    status?: number;
  } & NoInfer<[PathParamNames<Path>] extends [never] ? { params?: undefined } : { params: ParamSchemas<Path> }>,
): Route<Path, Body, Query, Response> {
  return {
    method: definition.method,
    path: definition.path,
    summary: definition.summary,
    params: (definition.params ?? {}) as ParamSchemas<Path>,
    body: definition.body as Body,
    query: definition.query as Query,
    response: definition.response as Response,
    status: definition.status ?? 200,
  };
}

/** A route's path with its parameters filled in and URL-encoded: `/teams/acme/members/%40bob%3Aexample.org`. */
export function buildPath<Path extends string>(path: Path, params: PathParams<Path> | undefined): string {
  const values = (params ?? {}) as Record<string, string>;
  return path.replace(/:(\w+)/g, (_segment, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}
