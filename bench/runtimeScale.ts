import { randomBytes } from "node:crypto";
import pino, { type Logger } from "pino";
import { z } from "zod";
import type { SignalPayload } from "@aachat/protocol";
import { RuntimeClient } from "@aachat/runtime";
import { Arrivals } from "./arrivals.ts";
import { jsonRequest, registerHuman, type Human } from "./matrix.ts";
import { readRss } from "./proc.ts";
import type { Stack } from "./stack.ts";
import { summarize, type Summary } from "./stats.ts";

const REGISTER_CONCURRENCY = 4;
const CONNECT_TIMEOUT_MS = 120_000;
const SIGNAL_TIMEOUT_MS = 15_000;
/** Agents of the fleet in the project the mentions are sent to, each mentioned in turn. */
const MENTIONED_AGENTS = 10;

export interface RuntimeScaleOptions {
  stack: Stack;
  log: Logger;
  runtimes: number;
  /** Mentions timed with only the mentioned agents' runtimes connected, then again with all. */
  mentions: number;
}

export interface RuntimeScaleResult {
  runtimes: number;
  registerSeconds: number;
  connectSeconds: number;
  /** The appservice process (VmRSS) with the agents registered and none connected, then with all connected. */
  appserviceBeforeMb: number;
  appserviceConnectedMb: number;
  /** (connected - before) / runtimes. */
  perRuntimeKb: number;
  /** A human's mention → the signal handed to the mentioned agent's runtime, with few runtimes connected (the baseline). */
  signalFewMs: Summary;
  fewConnected: number;
  /** The same, with every runtime connected. */
  signalAllMs: Summary;
}

export type RuntimeScaleOutcome =
  ({ status: "ok" } & RuntimeScaleResult) | { status: "failed" | "skipped"; reason: string };

/**
 * Registers `runtimes` agents and connects one runtime client each (the runtime's own
 * RuntimeClient, in this process, each reporting a session in its state), then reads the
 * appservice's memory with all of them connected.
 */
export async function runRuntimeScale(options: RuntimeScaleOptions): Promise<RuntimeScaleResult> {
  const { stack, log } = options;
  const owner = await registerHuman(stack, "bench-fleet");
  const registerStarted = performance.now();
  const agents = await registerAgents(stack, owner, options.runtimes);
  const registerSeconds = (performance.now() - registerStarted) / 1000;
  log.info({ agents: agents.length, seconds: registerSeconds.toFixed(1) }, "runtime scale: agents registered");
  const mentioned = agents.slice(0, Math.min(MENTIONED_AGENTS, agents.length));
  const project = await setUpProject(stack, owner, mentioned);

  const appserviceBeforeMb = readRss(stack.appservicePid).rssMb;
  const quiet = pino({ level: "silent" });
  const signals = new Arrivals<number>();
  const clients = agents.map(
    ({ token }, index) =>
      new RuntimeClient({
        serverUrl: stack.appserviceUrl,
        token,
        logger: quiet,
        onSignal: async (signal: SignalPayload) => {
          signals.record(signal.eventId, performance.now());
          return Promise.resolve();
        },
        state: () => ({
          version: "bench",
          pid: process.pid,
          hostname: "bench",
          startedAt: new Date().toISOString(),
          sessions: [
            {
              id: `s${index}`,
              projects: [{ id: 1, team: "fleet", name: "site", roomId: "!fleet:localhost" }],
              status: "ready",
              agent: "scripted-agent",
              conversation: "new",
              startedAt: new Date().toISOString(),
              turn: null,
              queued: 0,
              error: null,
            },
          ],
        }),
      }),
  );
  const connect = (some: RuntimeClient[]) =>
    stack.whileAppserviceRuns(
      Promise.all(
        some.map(
          (client) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error("a runtime did not connect in time")),
                CONNECT_TIMEOUT_MS,
              );
              client.once("connected", () => {
                clearTimeout(timer);
                resolve();
              });
              client.start();
            }),
        ),
      ),
    );
  const mention = (count: number) =>
    stack.whileAppserviceRuns(timeMentions(stack, owner, project, mentioned, signals, count));
  try {
    // The baseline: only the mentioned agents' runtimes are connected.
    await connect(clients.slice(0, mentioned.length));
    const signalFewMs = await mention(options.mentions);
    const connectStarted = performance.now();
    await connect(clients.slice(mentioned.length));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const online = await countOnline(stack, owner);
    if (online !== clients.length) throw new Error(`only ${online} of ${clients.length} runtimes show as online`);
    const appserviceConnectedMb = readRss(stack.appservicePid).rssMb;
    const signalAllMs = await mention(options.mentions);
    return {
      runtimes: clients.length,
      registerSeconds,
      connectSeconds,
      appserviceBeforeMb,
      appserviceConnectedMb,
      perRuntimeKb: ((appserviceConnectedMb - appserviceBeforeMb) * 1024) / clients.length,
      signalFewMs,
      fewConnected: mentioned.length,
      signalAllMs,
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
  }
}

interface FleetAgent {
  name: string;
  userId: string;
  token: string;
}

interface Project {
  roomId: string;
}

/** A team and a project holding the agents to mention; the owner is joined to its room. */
async function setUpProject(stack: Stack, owner: Human, agents: FleetAgent[]): Promise<Project> {
  const api = (method: string, path: string, body?: unknown) =>
    jsonRequest(stack.appserviceUrl, owner.accessToken, method, path, body);
  const team = `fleet-${randomBytes(3).toString("hex")}`;
  await api("POST", "/api/v1/teams", { slug: team });
  const roomIdOnly = z.object({ roomId: z.string() });
  const created = z
    .union([roomIdOnly, z.object({ project: roomIdOnly })])
    .parse(await api("POST", `/api/v1/teams/${team}/projects`, { name: "site" }));
  const roomId = "project" in created ? created.project.roomId : created.roomId;
  for (const agent of agents) await api("PUT", `/api/v1/teams/${team}/projects/site/agents/${agent.name}`);
  await jsonRequest(
    stack.homeserverUrl,
    owner.accessToken,
    "POST",
    `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`,
    {},
  );
  return { roomId };
}

/** Mentions the agents in turn, one message at a time: send → the signal at that agent's runtime. */
async function timeMentions(
  stack: Stack,
  owner: Human,
  project: Project,
  agents: FleetAgent[],
  signals: Arrivals<number>,
  count: number,
): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const agent = agents[i % agents.length]!;
    const sent = performance.now();
    const response = await jsonRequest(
      stack.homeserverUrl,
      owner.accessToken,
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(project.roomId)}/send/m.room.message/fleet-${randomBytes(6).toString("hex")}`,
      {
        msgtype: "m.text",
        body: `${agent.userId} please look (${i})`,
        "m.mentions": { user_ids: [agent.userId] },
      },
    );
    const eventId = z.object({ event_id: z.string() }).parse(response).event_id;
    samples.push((await signals.waitFor(eventId, SIGNAL_TIMEOUT_MS, `${agent.name}'s signal`)) - sent);
  }
  return summarize(samples);
}

async function registerAgents(stack: Stack, owner: Human, count: number): Promise<FleetAgent[]> {
  const created = z.object({ runtimeToken: z.string(), agent: z.object({ userId: z.string() }) });
  const suffix = randomBytes(3).toString("hex");
  const agents: FleetAgent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const name = `fleet-${suffix}-${next++}`;
      const body = created.parse(
        await jsonRequest(stack.appserviceUrl, owner.accessToken, "POST", "/api/v1/agents", { name }),
      );
      agents.push({ name, userId: body.agent.userId, token: body.runtimeToken });
    }
  };
  await stack.whileAppserviceRuns(Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker)));
  return agents;
}

async function countOnline(stack: Stack, owner: Human): Promise<number> {
  const agents = z
    .array(z.object({ runtime: z.object({ online: z.boolean() }) }))
    .parse(await jsonRequest(stack.appserviceUrl, owner.accessToken, "GET", "/api/v1/agents"));
  return agents.filter((agent) => agent.runtime.online).length;
}
