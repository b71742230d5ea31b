import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { z } from "zod";
import { jsonRequest, registerHuman, type Human } from "./matrix.ts";
import { summarize, type Summary } from "./stats.ts";
import type { Stack } from "./stack.ts";

const AACHAT_BIN = fileURLToPath(new URL("../cli/bin/aachat.js", import.meta.url));
const REGISTER_CONCURRENCY = 4;
const RESTART_TIMEOUT_MS = 900_000;
const STOP_GRACE_MS = 15_000;
/** Synapse refuses an event whose canonical JSON is larger than this. */
export const EVENT_SIZE_LIMIT_BYTES = 65_536;
export const REGISTER_TARGET_MEDIAN_MS = 50;
/**
 * One more agent while the DM's join and space listing were inside the request (2026-11-26,
 * same 2-core machine, 500 agents over 50 teams, load 2.3 just after: docs/benchmarks.md).
 */
export const REGISTER_BASELINE = { agents: 500, medianMs: 639, p99Ms: 922, loadAverage: 2.3 };

export interface AgentScaleOptions {
  stack: Stack;
  log: Logger;
  /** Agents registered before measuring, spread evenly over the teams' owners. */
  agents: number;
  teams: number;
  /** Further agents registered one at a time and timed. */
  samples: number;
}

export interface AgentScaleResult {
  agents: number;
  teams: number;
  streams: number;
  /** Registering the `agents` (REGISTER_CONCURRENCY at a time; the teams are made that way too). */
  registerSeconds: number;
  /** POST /agents of one more agent, one at a time, by the owners in turn. */
  registerOneMs: Summary;
  /** The machine's 1-minute load average when those were timed. */
  loadAverage: number;
  /** m.room.power_levels events written in the streams while those were registered. */
  streamPowerLevelEventsWritten: number;
  /** The largest m.room.power_levels event (as JSON, the whole event) of any stream. */
  largestStreamPowerLevelsBytes: number;
  /** Restarting the appservice: spawn → "reconciled", and the reconcile alone (ping → reconciled, by its log). */
  restartToReconciledS: number;
  reconcileS: number;
  reconcileReport: z.infer<typeof reconcileReport>;
}

export type AgentScaleOutcome =
  ({ status: "ok" } & AgentScaleResult) | { status: "failed" | "skipped"; reason: string };

interface Team {
  owner: Human;
  streamRoomId: string;
}

/**
 * Many agents on one server: `teams` organisation teams, each with a humans_only stream,
 * and `agents` agents spread over their owners; then the time to register one more, what
 * that writes into the streams, the largest stream power-levels event, and the appservice's
 * start-up reconcile over all of it. Stops the stack's appservice: run it last.
 */
export async function runAgentScale(options: AgentScaleOptions): Promise<AgentScaleResult> {
  const { stack, log } = options;
  const run = randomBytes(3).toString("hex");
  const makeTeam = async (index: number): Promise<Team> => {
    const owner = await registerHuman(stack, `scale-${index}`);
    const slug = `scale-${run}-${index}`;
    await api(stack, owner, "POST", "/teams", { slug });
    const stream = z
      .object({ roomId: z.string() })
      .parse(await api(stack, owner, "POST", `/teams/${slug}/streams`, { name: "general" }));
    // The owner joins to read the stream's history and state.
    await jsonRequest(
      stack.homeserverUrl,
      owner.accessToken,
      "POST",
      `/_matrix/client/v3/join/${enc(stream.roomId)}`,
      {},
    );
    return { owner, streamRoomId: stream.roomId };
  };
  const teams = await inParallel(options.teams, makeTeam);
  log.info({ teams: teams.length }, "agent scale: teams and streams made");

  const registerStarted = performance.now();
  await inParallel(options.agents, async (index) => {
    await api(stack, teams[index % teams.length]!.owner, "POST", "/agents", { name: `scale-${run}-${index}` });
    if ((index + 1) % 200 === 0) log.info({ registered: index + 1 }, "agent scale: registering");
  });
  const registerSeconds = (performance.now() - registerStarted) / 1000;
  log.info({ agents: options.agents, seconds: registerSeconds.toFixed(1) }, "agent scale: agents registered");

  const eventsBefore = await countStreamPowerLevelEvents(stack, teams);
  const samples: number[] = [];
  const loadAverage = loadavg()[0]!;
  for (let index = 0; index < options.samples; index++) {
    const owner = teams[index % teams.length]!.owner;
    const started = performance.now();
    await api(stack, owner, "POST", "/agents", { name: `scale-${run}-extra-${index}` });
    samples.push(performance.now() - started);
  }
  const streamPowerLevelEventsWritten = (await countStreamPowerLevelEvents(stack, teams)) - eventsBefore;
  log.info({ samples: samples.length, streamPowerLevelEventsWritten }, "agent scale: one more agent timed");

  let largestStreamPowerLevelsBytes = 0;
  for (const team of teams) {
    const event = await jsonRequest(
      stack.homeserverUrl,
      team.owner.accessToken,
      "GET",
      `/_matrix/client/v3/rooms/${enc(team.streamRoomId)}/state/m.room.power_levels/?format=event`,
    );
    largestStreamPowerLevelsBytes = Math.max(largestStreamPowerLevelsBytes, Buffer.byteLength(JSON.stringify(event)));
  }

  const restart = await restartAndTimeReconcile(stack, log);
  return {
    agents: options.agents,
    teams: teams.length,
    streams: teams.length,
    registerSeconds,
    registerOneMs: summarize(samples),
    loadAverage,
    streamPowerLevelEventsWritten,
    largestStreamPowerLevelsBytes,
    ...restart,
  };
}

export function agentScaleLines(outcome: AgentScaleOutcome): string[] {
  const lines = ["", "Many agents on one server (agent registration, stream power levels, start-up reconcile)"];
  if (outcome.status !== "ok") return [...lines, `  ${outcome.status}: ${outcome.reason}`];
  const one = outcome.registerOneMs;
  const met = one.median <= REGISTER_TARGET_MEDIAN_MS ? "MET" : "NOT MET";
  return [
    ...lines,
    `  ${outcome.agents} agents over ${outcome.teams} teams (one humans_only stream each), registered in ${outcome.registerSeconds.toFixed(1)} s (${REGISTER_CONCURRENCY} at a time)`,
    `  one more agent (POST /agents): median ${one.median.toFixed(1)} ms, p99 ${one.p99.toFixed(1)} ms (min ${one.min.toFixed(1)}, max ${one.max.toFixed(1)}, n=${one.count}; load average ${outcome.loadAverage.toFixed(1)})`,
    `    baseline (the DM finished inside the request, ${REGISTER_BASELINE.agents} agents): median ${REGISTER_BASELINE.medianMs} ms, p99 ${REGISTER_BASELINE.p99Ms} ms (load average ${REGISTER_BASELINE.loadAverage})`,
    `    power-level events those ${one.count} registrations wrote in the ${outcome.streams} streams: ${outcome.streamPowerLevelEventsWritten}`,
    `  largest stream m.room.power_levels event: ${outcome.largestStreamPowerLevelsBytes} bytes (Synapse's limit ${EVENT_SIZE_LIMIT_BYTES})`,
    `  appservice restart: reconciled ${outcome.restartToReconciledS.toFixed(1)} s after spawn; the reconcile itself ${outcome.reconcileS.toFixed(1)} s (${JSON.stringify(outcome.reconcileReport)})`,
    `  target one more agent median <= ${REGISTER_TARGET_MEDIAN_MS} ms: ${met}`,
  ];
}

/** Runs `work(0..count-1)`, REGISTER_CONCURRENCY at a time, and returns the results in order. */
async function inParallel<T>(count: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker));
  return results;
}

function api(stack: Stack, human: Human, method: string, route: string, body?: unknown): Promise<unknown> {
  return stack.whileAppserviceRuns(
    jsonRequest(stack.appserviceUrl, human.accessToken, method, `/api/v1${route}`, body),
  );
}

const enc = encodeURIComponent;

async function countStreamPowerLevelEvents(stack: Stack, teams: readonly Team[]): Promise<number> {
  const filter = enc(JSON.stringify({ types: ["m.room.power_levels"] }));
  let total = 0;
  for (const team of teams) {
    const page = z
      .object({ chunk: z.array(z.unknown()) })
      .parse(
        await jsonRequest(
          stack.homeserverUrl,
          team.owner.accessToken,
          "GET",
          `/_matrix/client/v3/rooms/${enc(team.streamRoomId)}/messages?dir=b&limit=1000&filter=${filter}`,
        ),
      );
    total += page.chunk.length;
  }
  return total;
}

const logLine = z.object({ msg: z.string().optional(), time: z.number().optional() }).passthrough();
/** What reconcile() reports in its log line. */
const reconcileReport = z.object({
  rooms: z.number(),
  recreated: z.number(),
  invited: z.number(),
  joined: z.number(),
  powerLevelsFixed: z.number(),
});

/**
 * Stops the stack's appservice and starts it again on the same configuration and database,
 * timing its start-up reconcile from its own log lines.
 */
async function restartAndTimeReconcile(
  stack: Stack,
  log: Logger,
): Promise<Pick<AgentScaleResult, "restartToReconciledS" | "reconcileS" | "reconcileReport">> {
  await stack.stopAppservice();
  log.info("agent scale: appservice stopped; starting it again to time its reconcile");
  // startStack writes the appservice's configuration there.
  const configFile = path.join(stack.workDir, "aachat.yaml");
  const logFile = createWriteStream(path.join(stack.workDir, "appservice-restart.log"));
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [AACHAT_BIN, "appservice", "-c", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the restarted appservice did not reconcile within ${RESTART_TIMEOUT_MS / 1000} s`)),
        RESTART_TIMEOUT_MS,
      );
      child.once("exit", (code) => reject(new Error(`the restarted appservice exited (code ${String(code)})`)));
      let pingAt: number | undefined;
      // The appservice logs to stderr and stdout alike; both are read.
      const onLine = (text: string) => {
        logFile.write(`${text}\n`);
        const parsed = logLine.safeParse(safeJson(text));
        if (!parsed.success) return;
        const { msg, time } = parsed.data;
        if (msg === "homeserver ping succeeded") pingAt = time;
        if (msg !== "reconciled the homeserver with the database" || time === undefined) return;
        clearTimeout(timer);
        const report = reconcileReport.parse(parsed.data);
        log.info({ report }, "agent scale: the restarted appservice reconciled");
        resolve({
          restartToReconciledS: (time - spawnedAt) / 1000,
          reconcileS: pingAt === undefined ? Number.NaN : (time - pingAt) / 1000,
          reconcileReport: report,
        });
      };
      createInterface({ input: child.stdout }).on("line", onLine);
      createInterface({ input: child.stderr }).on("line", onLine);
    });
  } finally {
    child.removeAllListeners("exit");
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
      if (!stopped) child.kill("SIGKILL");
    }
    process.off("exit", killOnExit);
    logFile.end();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
