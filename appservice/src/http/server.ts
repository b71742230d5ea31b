import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type Express } from "express";
import type { Logger } from "pino";
import { sendMatrixError } from "./matrixErrors.ts";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

export class PortInUseError extends UserFacingError {
  override readonly name = "PortInUseError";
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `port ${port} on ${host} is already in use; stop the process using it (see \`ss -ltnp 'sport = :${port}'\`) or set appservice.port to another port`,
    );
  }
}

export function createApp(): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  return app;
}

/** Turns body-parser and unexpected errors into JSON errors; never leaks a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = typeof error === "object" && error !== null && "status" in error ? Number(error.status) : 500;
    const type = typeof error === "object" && error !== null && "type" in error ? String(error.type) : "";
    if (type === "entity.too.large") return sendMatrixError(res, 413, "M_TOO_LARGE", "request body too large");
    if (type === "entity.parse.failed")
      return sendMatrixError(res, 400, "M_NOT_JSON", "request body is not valid JSON");
    if (status >= 400 && status < 500) return sendMatrixError(res, status, "M_BAD_JSON", "bad request");
    log.error({ err: error, method: req.method, path: req.path }, "request failed");
    sendMatrixError(res, 500, "M_UNKNOWN", "internal error");
  };
}

export async function listen(app: Express, host: string, port: number): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new PortInUseError(host, port) : error);
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and waits for open requests, closing idle keep-alive sockets. */
export async function closeServer(server: Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
