import type { RequestHandler } from "express";
import type { Bridge } from "matrix-appservice-bridge";
import { Registry } from "prom-client";
import type { Db } from "../db/database.ts";

export interface MetricsSources {
  db: Db;
  /** How many agents' runtimes are connected now. */
  runtimesConnected(): number;
}

/**
 * Prometheus metrics at GET /metrics, through matrix-appservice-bridge's PrometheusMetrics:
 * it brings the process metrics and counts the bridge's Matrix client calls; aachat adds
 * what an operator watches for backlogs (work stored but not yet done) and connected runtimes.
 * Each appservice gets its own registry, so several can run in one process (as tests do).
 */
export function metricsHandler(bridge: Bridge, sources: MetricsSources): RequestHandler {
  const registry = new Registry();
  const metrics = bridge.getPrometheusMetrics(false, registry);
  const gauge = (name: string, help: string) => metrics.addGauge({ namespace: "aachat", name, help });
  const runtimes = gauge("runtimes_connected", "Agents whose runtime is connected");
  const inbox = gauge("inbox_pending_events", "Events received from the homeserver and not yet handled");
  const outbound = gauge("outbound_pending_messages", "Messages queued for the homeserver and not yet sent");
  const signals = gauge("signals_pending", "Signals (mentions, DMs, reactions) not yet acknowledged by a runtime");
  const agents = gauge("agents", "Registered agents");
  metrics.addCollector(async () => {
    const { db } = sources;
    runtimes.set(sources.runtimesConnected());
    inbox.set(await db.inboundEvent.count({ where: { processedAt: null } }));
    outbound.set(await db.outboundMessage.count({ where: { sentAt: null } }));
    signals.set(await db.signal.count({ where: { acknowledgedAt: null } }));
    agents.set(await db.agent.count());
  });
  return (_req, res, next) => {
    metrics
      .refresh()
      .then(() => registry.metrics())
      .then((text) => res.type(registry.contentType).send(text))
      .catch(next);
  };
}
