import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitUntil } from "../support/waits.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

describe("Prometheus metrics at /metrics", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let agent: RunningAgent;

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${running.appservice.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await response.text());
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    agent = await runningAgent(scene, running.appservice.url, { prefix: "counted" });
  });

  afterAll(async () => {
    await agent?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("counts a mention's way through: transaction, event, signal, turn, answer, requests", async () => {
    const before = await scrape();
    const answer = "Counted and answered.";
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, agent.agent.userId);
    await mention(scene, agent.agent, `${agent.agent.name}, count this [reply:${answer}][chunks:2][delay:300]`);
    expect((await reply).body).toBe(answer);

    // The runtime reports its turn's end and acknowledges its signal just after the final edit.
    const after = await waitUntil("the turn is counted as finished", async () => {
      const samples = await scrape();
      const finished = total(samples, "aachat_turns_finished_total") > total(before, "aachat_turns_finished_total");
      return finished ? samples : undefined;
    });
    const grew = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);
    expect(grew("aachat_transactions_received_total")).toBeGreaterThan(0);
    expect(grew("aachat_events_received_total", { class: "message" })).toBeGreaterThan(0);
    expect(grew("aachat_event_processing_lag_seconds_count")).toBeGreaterThan(0);
    expect(grew("aachat_signals_delivered_total")).toBe(1);
    expect(grew("aachat_signals_acknowledged_total")).toBe(1);
    expect(grew("aachat_turns_started_total")).toBe(1);
    expect(grew("aachat_turns_finished_total")).toBe(1);
    expect(grew("aachat_turns_failed_total")).toBe(0);
    // The answer (a message, then its edits) went through the outbound queue.
    expect(grew("aachat_outbound_sends_total", { outcome: "posted" })).toBeGreaterThanOrEqual(2);
    expect(
      grew("aachat_runtime_request_duration_seconds_count", { method: "message.send", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      grew("aachat_runtime_request_duration_seconds_count", { method: "message.edit", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      grew("aachat_http_request_duration_seconds_count", {
        method: "PUT",
        route: "/_matrix/app/v1/transactions/:txnId",
        status: "200",
      }),
    ).toBeGreaterThan(0);
    expect(total(after, "aachat_runtimes_connected")).toBe(1);
  });

  it("reports HTTP requests by route template, never by the path asked for", async () => {
    await scene.api("GET", `/agents/${agent.agent.name}`);
    await scene.api("GET", "/agents/no-such-agent-here");
    const samples = await scrape();
    const routes = samples
      .filter((sample) => sample.name === "aachat_http_request_duration_seconds_count")
      .map((sample) => `${sample.labels.method} ${sample.labels.route} ${sample.labels.status}`);
    expect(routes).toContain("GET /api/v1/agents/:agent 200");
    expect(routes).toContain("GET /api/v1/agents/:agent 404");
    expect(routes.filter((route) => route.includes(agent.agent.name) || route.includes("no-such-agent"))).toEqual([]);
    const buckets = samples.filter((sample) => sample.name === "aachat_http_request_duration_seconds_bucket");
    expect(buckets.some((sample) => sample.labels.le === "+Inf")).toBe(true);
  });

  it("refuses a request relayed by a proxy, even from this machine", async () => {
    const response = await fetch(`${running.appservice.url}/metrics`, {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/not served through a proxy/);
  });

  it("counts a turn cut off by its runtime shutting down as failed", async () => {
    const before = await scrape();
    await mention(scene, agent.agent, `${agent.agent.name}, take your time [reply:Slowly.][chunks:10][delay:2000]`);
    await waitUntil(
      "the runtime reports the turn",
      async () => total(await scrape(), "aachat_turns_started_total") > total(before, "aachat_turns_started_total"),
    );
    await agent.runtime.stop("shutdown");
    const ended = (samples: Sample[]) =>
      total(samples, "aachat_turns_failed_total") + total(samples, "aachat_turns_finished_total");
    const after = await waitUntil("the cut-off turn is counted", async () => {
      const samples = await scrape();
      return ended(samples) > ended(before) ? samples : undefined;
    });
    expect(total(after, "aachat_turns_failed_total") - total(before, "aachat_turns_failed_total")).toBe(1);
    expect(total(after, "aachat_turns_finished_total")).toBe(total(before, "aachat_turns_finished_total"));
  });

  it("refuses clients the configured allow list leaves out", async () => {
    await agent.runtime.stop("stop");
    await running.appservice.close();
    running = await startTestAppservice({ database: running.database, metrics: { allow: ["10.0.0.0/8"] } });
    const response = await fetch(`${running.appservice.url}/metrics`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/not served to 127\.0\.0\.1; add its address to metrics\.allow/);
    expect((await fetch(`${running.appservice.url}/health`)).status).toBe(200);
  });
});
