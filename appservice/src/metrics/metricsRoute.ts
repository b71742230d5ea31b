import type { RequestHandler } from "express";
import type { Db } from "../db/database.ts";
import type { AppserviceMetrics } from "./AppserviceMetrics.ts";
import { AllowList } from "./allowList.ts";

export interface MetricsSources {
  db: Db;
  /** How many agents' runtimes are connected now. */
  runtimesConnected(): number;
}

export interface MetricsAccess {
  /** Which client addresses may read /metrics (CIDR ranges). */
  allow: readonly string[];
}

/**
 * GET /metrics in Prometheus's text format, for the clients the allow list names. A request
 * relayed by a proxy is refused whatever its address: a reverse proxy on this machine
 * connects from loopback, and must not pass the metrics on to the internet.
 */
export function metricsRoute(
  metrics: AppserviceMetrics,
  sources: MetricsSources,
  access: MetricsAccess,
): RequestHandler {
  const allowList = new AllowList(access.allow);
  const { db } = sources;
  metrics.gauge("runtimes_connected", "Agents whose runtime is connected", () => sources.runtimesConnected());
  metrics.gauge("inbox_pending_events", "Events received from the homeserver and not yet handled", () =>
    db.inboundEvent.count({ where: { processedAt: null } }),
  );
  metrics.gauge("outbound_pending_messages", "Messages queued for the homeserver and not yet sent", () =>
    db.outboundMessage.count({ where: { sentAt: null } }),
  );
  metrics.gauge("signals_pending", "Signals (mentions, DMs, reactions) not yet acknowledged by a runtime", () =>
    db.signal.count({ where: { acknowledgedAt: null } }),
  );
  metrics.gauge("agents", "Registered agents", () => db.agent.count());
  return (req, res, next) => {
    const relayed = req.headers.forwarded !== undefined || req.headers["x-forwarded-for"] !== undefined;
    if (relayed || !allowList.allows(req.socket.remoteAddress)) {
      res
        .status(403)
        .type("text/plain")
        .send(
          relayed
            ? "metrics are not served through a proxy; let Prometheus scrape the appservice directly\n"
            : `metrics are not served to ${req.socket.remoteAddress ?? "this client"}; add its address to metrics.allow in the appservice's config\n`,
        );
      return;
    }
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  };
}

/** GET /metrics when metrics.enabled is false. */
export const metricsDisabled: RequestHandler = (_req, res) => {
  res.status(404).type("text/plain").send("metrics are disabled (metrics.enabled in the appservice's config)\n");
};
