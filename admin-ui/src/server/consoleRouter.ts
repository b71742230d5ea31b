import express, { type Router } from "express";
import { consoleBundle } from "./bundleConsole.ts";
import { consoleHtml, contentSecurityPolicy } from "./consoleHtml.ts";

export interface ConsoleRouterOptions {
  homeserverUrl: string;
  serverName: string;
  /** Where a failed bundle is reported (a pino logger fits); stderr by default. */
  log?: ErrorLog;
}

export interface ErrorLog {
  error(details: { err: unknown }, message: string): void;
}

const stderrLog: ErrorLog = {
  error: ({ err }, message) =>
    process.stderr.write(`${message}: ${err instanceof Error ? err.message : String(err)}\n`),
};

/** Serves the admin console: the HTML shell, its script (bundled on first request) and its config. */
export function consoleRouter(options: ConsoleRouterOptions): Router {
  const router = express.Router();
  const log = options.log ?? stderrLog;
  const html = consoleHtml();
  const csp = contentSecurityPolicy(options.homeserverUrl);

  router.get("/", (_req, res) => {
    res
      .set({
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": csp,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cache-control": "no-cache",
      })
      .send(html);
  });

  router.get("/console.js", async (_req, res) => {
    try {
      const script = await consoleBundle();
      res
        .set({
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
        })
        .send(script);
    } catch (error) {
      log.error({ err: error }, "could not bundle the admin console");
      res.status(500).type("text/plain").send("The admin console could not be built; see the server log.");
    }
  });

  router.get("/console/config.json", (_req, res) => {
    res.set("cache-control", "no-cache").json({ homeserverUrl: options.homeserverUrl, serverName: options.serverName });
  });

  return router;
}
