import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { scriptedAgentCommand } from "../test/support/scriptedAgent.ts";
import { RoomEvent, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import type { Logger } from "pino";
import { z } from "zod";
import { scaffoldAgentRepo } from "@aachat/agent-repo";
import { RUNTIME_BIN, runtimePaths, type RuntimeConfigInput } from "@aachat/runtime/local";
import { Arrivals } from "./arrivals.ts";
import { jsonRequest, registerHuman, startSyncingClient, waitForClientState, type Human } from "./matrix.ts";
import { readPrivateMb, readRss } from "./proc.ts";
import type { Stack } from "./stack.ts";
import { summarize, type Summary } from "./stats.ts";

const PER_ROUND_TIMEOUT_MS = 20_000;
const SETUP_TIMEOUT_MS = 60_000;

export interface AgentReplyOptions {
  stack: Stack;
  log: Logger;
  rounds: number;
  warmupRounds: number;
}

export interface AgentReplyResult {
  rounds: number;
  warmupRounds: number;
  /** A human's send → the first message of the agent's answer in that human's client. */
  agentFirstChunkMs: Summary;
  /** The same human's send → a matrix-js-sdk echo bot's answer in that human's client. */
  echoBotMs: Summary;
  ratioMedian: number;
  ratioP99: number;
  /** The same agent's first message when its turn reports usage, so the answer ends with the cost footer. */
  agentWithFooterMs: Summary;
  footerRatioMedian: number;
  /** The runtime process (VmRSS), without its agent process: just started with its session, and after the rounds. */
  runtimeIdleMb: number;
  runtimeAfterRoundsMb: number;
  runtimePeakMb: number;
  /** Of that, the JavaScript heap in use (the rest is code, buffers and memory the allocator keeps). */
  runtimeHeapUsedMb: number;
  /** The pages only the runtime holds, idle and after the rounds: what one more agent's runtime costs. */
  runtimeIdlePrivateMb: number;
  runtimeAfterRoundsPrivateMb: number;
}

export type AgentReplyOutcome =
  ({ status: "ok" } & AgentReplyResult) | { status: "failed" | "skipped"; reason: string };

/**
 * A human asks, one message at a time, alternately: a plain echo bot (another human's
 * matrix-js-sdk client that answers as soon as its sync shows the message), and an agent
 * whose runtime runs the scripted ACP agent, which answers at once. Each round is timed
 * from just before the send until the answer's first message reaches the asker's client.
 */
export async function runAgentReplies(options: AgentReplyOptions): Promise<AgentReplyResult> {
  const { stack, log } = options;
  const alice = await registerHuman(stack, "bench-asker");
  const bob = await registerHuman(stack, "bench-echo");
  const setup = await setUp(stack, alice, bob, log);
  const runtime = await startRuntime(stack, setup, alice, log);
  const asker = await startSyncingClient(stack, alice);
  const echoBot = await startSyncingClient(stack, bob);
  try {
    for (const client of [asker, echoBot]) {
      await waitForClientState(
        client,
        `${client.getUserId()} to be in ${setup.roomId}`,
        () => client.getRoom(setup.roomId)?.getMyMembership() === "join",
        SETUP_TIMEOUT_MS,
      );
    }
    const answers = new Arrivals<number>();
    const onAnswer = (event: MatrixEvent) => {
      const at = performance.now();
      if (event.getRoomId() !== setup.roomId || event.getType() !== "m.room.message") return;
      const sender = event.getSender();
      if (sender !== bob.userId && sender !== setup.agentUserId) return;
      const repliesTo = event.getContent()["m.relates_to"]?.["m.in_reply_to"]?.event_id;
      if (repliesTo) answers.record(repliesTo, at);
    };
    asker.on(RoomEvent.Timeline, onAnswer);
    // The echo bot: answers the asker's "echo" messages the moment its sync shows them.
    const onEcho = (event: MatrixEvent) => {
      if (event.getRoomId() !== setup.roomId || event.getSender() !== alice.userId) return;
      const body = String(event.getContent().body ?? "");
      if (!body.startsWith("echo ")) return;
      void sendMessage(echoBot, setup.roomId, {
        msgtype: "m.text",
        body: `re: ${body}`,
        "m.relates_to": { "m.in_reply_to": { event_id: event.getId() } },
      });
    };
    echoBot.on(RoomEvent.Timeline, onEcho);

    const runtimeIdleMb = readRss(runtime.pid!).rssMb;
    const runtimeIdlePrivateMb = readPrivateMb(runtime.pid!);
    const agentSamples: number[] = [];
    const echoSamples: number[] = [];
    const footerSamples: number[] = [];
    const total = options.warmupRounds + options.rounds;
    log.info({ rounds: options.rounds, warmup: options.warmupRounds }, "agent replies: asking");
    for (let i = 0; i < total; i++) {
      const echo = await timed(stack, alice, setup.roomId, answers, { msgtype: "m.text", body: `echo ${i}` });
      // Each agent round starts with the agent at rest: the turn before it has published its memory.
      await waitForIdleSession(stack, alice, setup.agentName);
      const agent = await timed(stack, alice, setup.roomId, answers, {
        msgtype: "m.text",
        body: `Bench, answer at once [reply:ok ${i}][chunks:1]`,
        "m.mentions": { user_ids: [setup.agentUserId] },
      });
      await waitForIdleSession(stack, alice, setup.agentName);
      const withFooter = await timed(stack, alice, setup.roomId, answers, {
        msgtype: "m.text",
        body: `Bench, answer at once with its cost [reply:ok ${i}][chunks:1][usage:1200:0.001]`,
        "m.mentions": { user_ids: [setup.agentUserId] },
      });
      if (i < options.warmupRounds) continue;
      echoSamples.push(echo);
      agentSamples.push(agent);
      footerSamples.push(withFooter);
    }
    asker.off(RoomEvent.Timeline, onAnswer);
    echoBot.off(RoomEvent.Timeline, onEcho);
    await waitForIdleSession(stack, alice, setup.agentName);
    const after = readRss(runtime.pid!);
    const runtimeAfterRoundsPrivateMb = readPrivateMb(runtime.pid!);
    const heap = await runtimeMemory(setup);
    const agentFirstChunkMs = summarize(agentSamples);
    const echoBotMs = summarize(echoSamples);
    const agentWithFooterMs = summarize(footerSamples);
    return {
      rounds: options.rounds,
      warmupRounds: options.warmupRounds,
      agentFirstChunkMs,
      echoBotMs,
      ratioMedian: agentFirstChunkMs.median / echoBotMs.median,
      ratioP99: agentFirstChunkMs.p99 / echoBotMs.p99,
      agentWithFooterMs,
      footerRatioMedian: agentWithFooterMs.median / echoBotMs.median,
      runtimeIdleMb,
      runtimeAfterRoundsMb: after.rssMb,
      runtimePeakMb: after.peakMb,
      runtimeHeapUsedMb: heap.heapUsedMb,
      runtimeIdlePrivateMb,
      runtimeAfterRoundsPrivateMb,
    };
  } finally {
    asker.stopClient();
    echoBot.stopClient();
    runtime.kill("SIGTERM");
    await new Promise((resolve) => (runtime.exitCode === null ? runtime.once("exit", resolve) : resolve(null)));
  }
}

/** One round: the time from just before the asker's send until the answer reaches the asker's client. */
async function timed(
  stack: Stack,
  asker: Human,
  roomId: string,
  answers: Arrivals<number>,
  content: Record<string, unknown>,
): Promise<number> {
  const sent = performance.now();
  const response = await jsonRequest(
    stack.homeserverUrl,
    asker.accessToken,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/bench-${randomBytes(6).toString("hex")}`,
    content,
  );
  const eventId = z.object({ event_id: z.string() }).parse(response).event_id;
  const arrived = await stack.whileAppserviceRuns(answers.waitFor(eventId, PER_ROUND_TIMEOUT_MS, "the answer"));
  return arrived - sent;
}

function sendMessage(client: MatrixClient, roomId: string, content: Record<string, unknown>): Promise<unknown> {
  const send = client.sendEvent.bind(client) as (roomId: string, type: string, content: object) => Promise<unknown>;
  return send(roomId, "m.room.message", content);
}

interface Setup {
  roomId: string;
  agentName: string;
  agentUserId: string;
  token: string;
  runtimesDir: string;
  repoDir: string;
}

/** A team and project of the asker's, the echo bot a member in its room, and an agent of the asker's in it. */
async function setUp(stack: Stack, alice: Human, bob: Human, log: Logger): Promise<Setup> {
  const api = (human: Human, method: string, route: string, body?: unknown) =>
    jsonRequest(stack.appserviceUrl, human.accessToken, method, `/api/v1${route}`, body);
  const suffix = randomBytes(3).toString("hex");
  const team = `replies-${suffix}`;
  const agentName = `bench-agent-${suffix}`;
  await api(alice, "POST", "/teams", { slug: team });
  const roomId = z
    .object({ roomId: z.string() })
    .parse(await api(alice, "POST", `/teams/${team}/projects`, { name: "site" })).roomId;
  const created = z
    .object({ agent: z.object({ userId: z.string() }), runtimeToken: z.string() })
    .parse(await api(alice, "POST", "/agents", { name: agentName, displayName: "Bench" }));
  await api(alice, "PUT", `/teams/${team}/projects/site/agents/${agentName}`);
  await api(alice, "PUT", `/teams/${team}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
  await api(bob, "POST", `/teams/${team}/projects/site/join`);
  for (const human of [alice, bob]) {
    await jsonRequest(
      stack.homeserverUrl,
      human.accessToken,
      "POST",
      `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`,
      {},
    );
  }
  const repoDir = path.join(stack.workDir, "agents", agentName);
  await scaffoldAgentRepo(repoDir, { name: agentName, displayName: "Bench" });
  log.info({ team, agent: agentName, roomId }, "agent replies: project set up");
  return {
    roomId,
    agentName,
    agentUserId: created.agent.userId,
    token: created.runtimeToken,
    runtimesDir: path.join(stack.workDir, "runtimes"),
    repoDir,
  };
}

/** The agent's runtime as its own process (as `aachat agent start` runs it) with a session covering the project. */
async function startRuntime(stack: Stack, setup: Setup, owner: Human, log: Logger): Promise<ChildProcess> {
  const env = { ...process.env, AACHAT_RUNTIME_DIR: setup.runtimesDir };
  const paths = runtimePaths(setup.agentName, env);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const config: RuntimeConfigInput = {
    agent: setup.agentName,
    serverUrl: stack.appserviceUrl,
    repoDir: setup.repoDir,
    agentCommand: scriptedAgentCommand(),
  };
  await writeFile(paths.config, JSON.stringify(config), { mode: 0o600 });
  await writeFile(paths.token, setup.token, { mode: 0o600 });
  const child = spawn(process.execPath, [RUNTIME_BIN, setup.agentName], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  // If the bench dies, its runtime must not live on.
  process.once("exit", () => child.kill("SIGKILL"));
  log.info({ pid: child.pid }, "agent replies: runtime started");
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (!(await socketAnswers(paths.socket))) {
    if (child.exitCode !== null) throw new Error(`the runtime exited (code ${child.exitCode}); see ${paths.log}`);
    if (Date.now() > deadline) throw new Error(`the runtime did not connect within ${SETUP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const started = z.object({ session: z.object({ status: z.string() }) }).parse(
    await jsonRequest(stack.appserviceUrl, owner.accessToken, "POST", `/api/v1/agents/${setup.agentName}/sessions`, {
      projects: ["site"],
    }),
  );
  if (started.session.status !== "ready") throw new Error(`the session is ${started.session.status}, not ready`);
  return child;
}

async function runtimeMemory(setup: Setup): Promise<{ heapUsedMb: number }> {
  const { controlCall } = await import("@aachat/runtime/local");
  const paths = runtimePaths(setup.agentName, { AACHAT_RUNTIME_DIR: setup.runtimesDir });
  const answer = await controlCall(paths.socket, { op: "status" }, 5_000);
  if (!answer.ok || !("status" in answer)) throw new Error("the runtime did not report its status");
  return { heapUsedMb: answer.status.memory.heapUsedMb };
}

async function socketAnswers(socket: string): Promise<boolean> {
  const { controlCall } = await import("@aachat/runtime/local");
  const answer = await controlCall(socket, { op: "status" }, 2_000).catch(() => null);
  return answer !== null && answer.ok && "status" in answer && answer.status.connected;
}

/** Waits until the agent's session has no turn and nothing queued, so the runtime's memory is read at rest. */
async function waitForIdleSession(stack: Stack, owner: Human, agentName: string): Promise<void> {
  const state = z.object({
    runtime: z.object({
      state: z.object({ sessions: z.array(z.object({ status: z.string(), queued: z.number() })) }).nullable(),
    }),
  });
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const agent = state.parse(
      await jsonRequest(stack.appserviceUrl, owner.accessToken, "GET", `/api/v1/agents/${agentName}`),
    );
    const sessions = agent.runtime.state?.sessions ?? [];
    if (sessions.length > 0 && sessions.every((s) => s.status === "ready" && s.queued === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the agent's session did not come to rest");
}
