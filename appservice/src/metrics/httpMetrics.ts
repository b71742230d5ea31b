import type { Request, RequestHandler } from "express";

/** Where routers are mounted: a matched route's template is relative to its router. */
const MOUNTS = ["/api/v1", "/_matrix/app/v1"];

/**
 * Times every HTTP request and reports it by route template (`/api/v1/teams/:team`),
 * never by raw path, so ids in paths do not multiply the series; requests no route
 * matched (the console's files, unknown paths) are reported as "unmatched".
 */
export function httpMetrics(
  record: (method: string, route: string, status: number, seconds: number) => void,
): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      record(req.method, routeTemplate(req), res.statusCode, seconds);
    });
    next();
  };
}

function routeTemplate(req: Request): string {
  const route: unknown = req.route;
  if (typeof route !== "object" || route === null || !("path" in route) || typeof route.path !== "string")
    return "unmatched";
  const mount = MOUNTS.find((prefix) => req.originalUrl.startsWith(`${prefix}/`)) ?? "";
  return `${mount}${route.path}`;
}
