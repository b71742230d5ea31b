import { openApiDocument } from "@aachat/api";
import express, { type ErrorRequestHandler, type Router } from "express";
import type { Logger } from "pino";
import type { ModelContext } from "../model/ModelContext.ts";
import { ensurePersonalTeam } from "../model/teams.ts";
import { MatrixApiError } from "../matrix/MatrixApi.ts";
import { DomainError } from "../errors/DomainError.ts";
import { ApiError } from "./ApiError.ts";
import { toApiError } from "./httpErrors.ts";
import type { Registration } from "../registration/schema.ts";
import { HomeserverAuth } from "./auth.ts";
import type { EventStreams } from "./events.ts";
import { mountRoutes } from "./mountRoutes.ts";
import { apiHandlers } from "./routes.ts";

/** The /api/v1 router: JSON in and out, every request authenticated by the homeserver. */
export function apiRouter(
  ctx: ModelContext,
  registration: Pick<Registration, "as_token" | "namespaces">,
  homeserverUrl: string,
  publicUrl: string,
  log: Logger,
  eventStreams?: EventStreams,
): Router {
  const router = express.Router();
  const document = openApiDocument(publicUrl);
  router.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  router.use(express.json({ limit: "64kb" }));
  const identity = {
    asToken: registration.as_token,
    botUserId: ctx.botUserId,
    userNamespaces: (registration.namespaces.users ?? []).map((namespace) => namespace.regex),
  };
  const auth = new HomeserverAuth(homeserverUrl, ctx.serverName, identity, (userId) => ensurePersonalTeam(ctx, userId));
  router.use(auth.middleware());
  // The live event stream (server-sent events) for the console; see EventStreams.
  if (eventStreams) router.get("/events", eventStreams.handler);
  mountRoutes(router, apiHandlers(ctx));
  router.use((req, _res, next) =>
    next(new ApiError("not_found", `no API route ${req.method} ${req.path}; see /api/v1/openapi.json`)),
  );
  router.use(apiErrorHandler(log));
  return router;
}

function apiErrorHandler(log: Logger): ErrorRequestHandler {
  return (thrown: unknown, req, res, _next) => {
    const error = thrown instanceof DomainError ? toApiError(thrown) : thrown;
    const send = (status: number, code: string, message: string) =>
      res.status(status).json({ error: { code, message } });
    if (error instanceof ApiError) return send(error.status, error.code, error.message);
    const type = typeof error === "object" && error !== null && "type" in error ? String(error.type) : "";
    if (type === "entity.parse.failed") return send(400, "invalid_request", "the request body is not valid JSON");
    if (type === "entity.too.large") return send(413, "invalid_request", "the request body is too large");
    if (error instanceof MatrixApiError) {
      log.error({ err: error, method: req.method, path: req.path }, "homeserver refused a request");
      return send(502, "homeserver_error", `the homeserver refused: ${error.errcode} ${error.message}`);
    }
    log.error({ err: error, method: req.method, path: req.path }, "API request failed");
    return send(500, "internal", "internal error; see the appservice log");
  };
}
