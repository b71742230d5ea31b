// `npm run bench`: starts Synapse and the appservice in a temporary directory, measures
// the appservice's durable ingest rate and its mention-to-signal latency, prints a report
// (stdout; --json for a machine-readable one) and stops everything again.
// matrix-js-sdk (the humans' and the echo bot's client) needs Promise.withResolvers, which Node 20 lacks.
import "../test/setup/node20.ts";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { runAgentReplies, type AgentReplyOutcome } from "./agentReplies.ts";
import { AppserviceDb } from "./appserviceDb.ts";
import { runIngest, type IngestOptions } from "./ingest.ts";
import { createBenchLogger, quietConsole } from "./log.ts";
import { runMentions, type MentionOutcome } from "./mentions.ts";
import { readMemoryBreakdown } from "./appserviceMemory.ts";
import { readCpuSeconds, readRss } from "./proc.ts";
import { monotonicUs, summarizeProfile, type ProfileSummary, type ProfileWindow } from "./profile.ts";
import {
  formatReport,
  INGEST_TARGET_EVENTS_PER_S,
  INBOX_TARGET_EVENTS_PER_S,
  MENTION_TARGET_RATIO,
  AGENT_TARGET_RATIO,
  APPSERVICE_IDLE_TARGET_MB,
  RUNTIME_IDLE_TARGET_MB,
  type BenchReport,
  type ProcessingResult,
} from "./report.ts";
import { runRuntimeScale, type RuntimeScaleOutcome } from "./runtimeScale.ts";
import { runAgentScale, type AgentScaleOutcome } from "./agentScale.ts";
import { startStack, startWorkersStack, teardown, type Stack } from "./stack.ts";

const USAGE = `Usage: npm run bench -- [options]

  --json                 print the report as JSON (npm run -s bench -- --json keeps npm's header off stdout)
  --events N             events in the measured batched ingest (default 20000)
  --batch N              events per transaction in it (default 100, at most 1000)
  --baseline-events N    events in the 1-event-per-transaction baseline (default 2000)
  --concurrency N        concurrent transaction senders (default 4)
  --sends N              measured mentions (default 200)
  --warmup-sends N       unmeasured mentions first (default 10)
  --agent-rounds N       measured agent answers, each beside an echo bot's (default 100)
  --agent-warmup N       unmeasured rounds first (default 5)
  --runtimes N           runtimes connected at once to read the appservice's memory (default 200)
  --runtime-mentions N   mentions timed to a runtime's signal with few, then all, runtimes connected (default 100)
  --scale-agents N       agents registered across --scale-teams teams in the agentscale phase (default 2000)
  --scale-teams N        teams, each with a humans_only stream, in the agentscale phase (default 50)
  --scale-samples N      further agents registered one at a time and timed in it (default 50)
  --phases LIST          which phases, comma-separated: mentions,agents,runtimes,ingest,agentscale,workers
                         (default all but agentscale, which takes many minutes and restarts the appservice,
                         and workers, which starts Synapse with workers, PostgreSQL, Redis and nginx to
                         time the agents phase's round trip there too)
  --timeout S            give up after S seconds (default 900)
  --cpu-prof             profile the appservice (node --cpu-prof) and show its hot spots in both ingest phases
                         and while its inbox handles what the batched one left
  --keep                 keep the temporary directory (databases, logs, profile)

Logs go to stderr (AACHAT_BENCH_LOG=debug for more), the report to stdout.
`;

const PROCESSING_TIMEOUT_MS = 300_000;
/** Fewer events left after an ingest than this say little about how fast the inbox handles them. */
const MIN_DRAIN_EVENTS = 1000;

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    events: { type: "string", default: "20000" },
    batch: { type: "string", default: "100" },
    "baseline-events": { type: "string", default: "2000" },
    concurrency: { type: "string", default: "4" },
    sends: { type: "string", default: "200" },
    "warmup-sends": { type: "string", default: "10" },
    "agent-rounds": { type: "string", default: "100" },
    "agent-warmup": { type: "string", default: "5" },
    runtimes: { type: "string", default: "200" },
    "runtime-mentions": { type: "string", default: "100" },
    "scale-agents": { type: "string", default: "2000" },
    "scale-teams": { type: "string", default: "50" },
    "scale-samples": { type: "string", default: "50" },
    phases: { type: "string", default: "mentions,agents,runtimes,ingest" },
    timeout: { type: "string", default: "900" },
    "cpu-prof": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function count(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`error: --${name} must be a whole number from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}
const settings = {
  events: count("events", args.events, 1, 1_000_000),
  batch: count("batch", args.batch, 1, 1000),
  baselineEvents: count("baseline-events", args["baseline-events"], 1, 100_000),
  concurrency: count("concurrency", args.concurrency, 1, 64),
  sends: count("sends", args.sends, 1, 10_000),
  warmupSends: count("warmup-sends", args["warmup-sends"], 0, 1000),
  agentRounds: count("agent-rounds", args["agent-rounds"], 1, 10_000),
  agentWarmup: count("agent-warmup", args["agent-warmup"], 0, 1000),
  runtimes: count("runtimes", args.runtimes, 1, 5000),
  runtimeMentions: count("runtime-mentions", args["runtime-mentions"], 1, 10000),
  scaleAgents: count("scale-agents", args["scale-agents"], 0, 100_000),
  scaleTeams: count("scale-teams", args["scale-teams"], 1, 1000),
  scaleSamples: count("scale-samples", args["scale-samples"], 1, 10_000),
  timeoutS: count("timeout", args.timeout, 10, 86_400),
  cpuProfile: args["cpu-prof"],
  keep: args.keep,
};

const PHASES = ["mentions", "agents", "runtimes", "ingest", "agentscale", "workers"] as const;
const phases = new Set(args.phases.split(",").map((phase) => phase.trim()));
for (const phase of phases) {
  if (!(PHASES as readonly string[]).includes(phase)) {
    process.stderr.write(`error: --phases: unknown phase '${phase}'; choose from ${PHASES.join(", ")}\n${USAGE}`);
    process.exit(2);
  }
}

const log = createBenchLogger();
quietConsole();
/** Set when the bench is cut short; the main flow's failure is then a consequence, not news. */
let interrupted: { exitCode: number } | undefined;
const interrupt = (exitCode: number) => {
  if (interrupted) process.exit(exitCode); // a second Ctrl-C: the exit hooks kill what is left
  interrupted = { exitCode };
  void teardown(log).finally(() => process.exit(exitCode));
};
const onSignal = (signal: NodeJS.Signals) => {
  if (!interrupted) log.warn({ signal }, "interrupted; stopping the stack");
  interrupt(130);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
const overall = setTimeout(() => {
  log.error(`the bench did not finish within ${settings.timeoutS} s; stopping the stack`);
  interrupt(3);
}, settings.timeoutS * 1000);

try {
  const report = await bench();
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
} catch (error) {
  if (interrupted) process.exitCode = interrupted.exitCode;
  else {
    log.error({ err: error }, "the bench failed");
    process.exitCode = 1;
  }
} finally {
  await teardown(log);
  clearTimeout(overall);
}
// matrix-js-sdk leaves a referenced timer behind for every request it made (up to 110 s
// for a /sync), even after stopClient(); everything the bench started is stopped by now.
process.exit();

async function bench(): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const stack = await startStack({ log, cpuProfile: settings.cpuProfile, keepDir: settings.keep });
  const stackStartS = (performance.now() - started) / 1000;
  const pid = stack.appservicePid;
  const db = new AppserviceDb(stack.sqliteFile);
  try {
    const idleMb = readRss(pid).rssMb;
    const idleBreakdown = await readMemoryBreakdown(stack.appserviceUrl).catch((error: unknown) => {
      log.warn({ err: error }, "could not read the appservice's memory breakdown");
      return null;
    });

    // Mentions first, while the inbox is empty: a mention queues behind every unprocessed event.
    let mentions: MentionOutcome = { status: "skipped", reason: "not in --phases" };
    if (phases.has("mentions")) {
      try {
        mentions = await stack.whileAppserviceRuns(
          runMentions({ stack, db, log, sends: settings.sends, warmupSends: settings.warmupSends }),
        );
      } catch (error) {
        if (!isAppserviceAlive(pid)) throw error;
        log.error({ err: error }, "mention benchmark failed; continuing");
        mentions = { status: "failed", reason: error instanceof Error ? error.message : String(error) };
      }
      if (mentions.status === "skipped") process.stderr.write(`mention benchmark skipped: ${mentions.reason}\n`);
    }
    const afterMentionsMb = readRss(pid).rssMb;

    const agents: AgentReplyOutcome = phases.has("agents")
      ? await phase("agent replies", () =>
          runAgentReplies({ stack, log, rounds: settings.agentRounds, warmupRounds: settings.agentWarmup }),
        )
      : { status: "skipped", reason: "not in --phases" };
    const runtimes: RuntimeScaleOutcome = phases.has("runtimes")
      ? await phase("runtime scale", () =>
          runRuntimeScale({ stack, log, runtimes: settings.runtimes, mentions: settings.runtimeMentions }),
        )
      : { status: "skipped", reason: "not in --phases" };

    const runId = Date.now().toString(36);
    const ingestOptions = (label: string, events: number, perTxn: number, warmupEvents: number): IngestOptions => ({
      appserviceUrl: stack.appserviceUrl,
      hsToken: stack.hsToken,
      appservicePid: pid,
      db,
      log,
      label: `bench-${runId}-${label}`,
      events,
      eventsPerTransaction: perTxn,
      concurrency: settings.concurrency,
      warmupEvents,
      rooms: 5,
    });
    let ingest: BenchReport["ingest"] = null;
    let measuredWindows: ProfileWindow[] = [];
    if (phases.has("ingest")) {
      const batched = await stack.whileAppserviceRuns(
        runIngest(ingestOptions("batched", settings.events, settings.batch, Math.min(2000, settings.events))),
      );
      const batchedProcessing = await waitUntilProcessed(stack, db, batched.result.label);
      const single = await stack.whileAppserviceRuns(
        runIngest(ingestOptions("single", settings.baselineEvents, 1, Math.min(200, settings.baselineEvents))),
      );
      const singleProcessing = await waitUntilProcessed(stack, db, single.result.label);
      ingest = { batched: batched.result, batchedProcessing, single: single.result, singleProcessing };
      measuredWindows = [
        { label: `measured batched ingest (${settings.events} events)`, ...batched.measuredUs },
        ...(batchedProcessing.drainUs
          ? [{ label: "inbox processing left after the batched ingest", ...batchedProcessing.drainUs }]
          : []),
        { label: `measured 1-event ingest (${settings.baselineEvents} events)`, ...single.measuredUs },
      ];
    }
    const afterIngest = readRss(pid);

    // Last: it restarts the appservice to time its start-up reconcile.
    const agentScale: AgentScaleOutcome = phases.has("agentscale")
      ? await phase("agent scale", () =>
          runAgentScale({
            stack,
            log,
            agents: settings.scaleAgents,
            teams: settings.scaleTeams,
            samples: settings.scaleSamples,
          }),
        )
      : { status: "skipped", reason: "not in --phases" };

    // The agents phase's round trip again, with Synapse split into workers (after the rest, so
    // that the embedded figures are not measured beside a second homeserver).
    const workers: AgentReplyOutcome = phases.has("workers")
      ? await phase("agent replies on workers", async () =>
          runAgentReplies({
            stack: await startWorkersStack({ log, cpuProfile: false, keepDir: settings.keep }),
            log,
            rounds: settings.agentRounds,
            warmupRounds: settings.agentWarmup,
          }),
        )
      : { status: "skipped", reason: "not in --phases" };

    let profiles: ProfileSummary[] = [];
    if (settings.cpuProfile) {
      const file = await stack.stopAppservice();
      if (file === undefined) log.warn("the appservice wrote no CPU profile");
      else if (measuredWindows.length > 0) profiles = await summarizeProfile(file, measuredWindows);
    }

    const ratio = mentions.status === "ok" ? mentions.ratioMedian : null;
    const inboxRate = ingest?.batchedProcessing.drainEventsPerSecond ?? null;
    return {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? "unknown",
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      settings,
      durationS: (performance.now() - started) / 1000,
      stackStartS,
      rss: { idleMb, afterMentionsMb, afterIngestMb: afterIngest.rssMb, peakMb: afterIngest.peakMb },
      idleBreakdown,
      mentions,
      agents,
      runtimes,
      agentScale,
      workers,
      ingest,
      targets: {
        ingestEventsPerSecond: {
          target: INGEST_TARGET_EVENTS_PER_S,
          value: ingest?.batched.eventsPerSecond ?? null,
          met: ingest ? ingest.batched.eventsPerSecond >= INGEST_TARGET_EVENTS_PER_S : null,
        },
        inboxEventsPerSecond: {
          target: INBOX_TARGET_EVENTS_PER_S,
          value: inboxRate,
          met: inboxRate === null ? null : inboxRate >= INBOX_TARGET_EVENTS_PER_S,
        },
        signalToHumanRatio: {
          target: MENTION_TARGET_RATIO,
          value: ratio,
          met: ratio === null ? null : ratio <= MENTION_TARGET_RATIO,
        },
        agentToEchoBotRatio: {
          target: AGENT_TARGET_RATIO,
          value: agents.status === "ok" ? agents.ratioMedian : null,
          met: agents.status === "ok" ? agents.ratioMedian <= AGENT_TARGET_RATIO : null,
        },
        runtimeIdleMb: {
          target: RUNTIME_IDLE_TARGET_MB,
          value: agents.status === "ok" ? agents.runtimeAfterRoundsMb : null,
          met: agents.status === "ok" ? agents.runtimeAfterRoundsMb <= RUNTIME_IDLE_TARGET_MB : null,
        },
        appserviceIdleMb: {
          target: APPSERVICE_IDLE_TARGET_MB,
          value: idleMb,
          met: idleMb <= APPSERVICE_IDLE_TARGET_MB,
        },
      },
      profiles,
    };
  } finally {
    db.close();
  }
}

/** Runs one phase; a failure is reported in its place (unless the appservice died, which ends the bench). */
async function phase<T extends object>(
  name: string,
  run: () => Promise<T>,
): Promise<({ status: "ok" } & T) | { status: "failed"; reason: string }> {
  try {
    return { status: "ok", ...(await run()) };
  } catch (error) {
    log.error({ err: error }, `${name} benchmark failed; continuing`);
    return { status: "failed", reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Waits for the inbox to process everything ingested, so the next phase does not compete with it. */
async function waitUntilProcessed(stack: Stack, db: AppserviceDb, label: string): Promise<ProcessingResult> {
  const endedMs = Date.now();
  const cpuBefore = readCpuSeconds(stack.appservicePid);
  const leftAtEnd = db.unprocessedEvents();
  log.info({ unprocessed: leftAtEnd }, "waiting for the inbox to process the ingested events");
  const fromUs = monotonicUs();
  const ms = await stack.whileAppserviceRuns(db.waitUntilProcessed(PROCESSING_TIMEOUT_MS));
  const toUs = monotonicUs();
  const drainCpuSeconds = readCpuSeconds(stack.appservicePid) - cpuBefore;
  if (ms === undefined) log.warn({ unprocessed: db.unprocessedEvents() }, "the inbox did not finish in time");
  const measured = `$${label}.m.`;
  const span = db.processedSpan(measured);
  const events = db.countEvents(measured);
  return {
    leftAtEnd,
    msAfterEnd: ms,
    // A drain shorter than a few samples says nothing in a profile.
    ...(leftAtEnd > 0 && toUs - fromUs > 100_000 ? { drainUs: { fromUs, toUs } } : {}),
    eventsPerSecond:
      span === undefined || span.lastMs <= span.firstMs ? null : (events - 1) / ((span.lastMs - span.firstMs) / 1000),
    drainEventsPerSecond:
      span === undefined || leftAtEnd < MIN_DRAIN_EVENTS || span.lastMs <= endedMs
        ? null
        : leftAtEnd / ((span.lastMs - endedMs) / 1000),
    drainEventsPerCpuSecond: leftAtEnd < MIN_DRAIN_EVENTS || drainCpuSeconds <= 0 ? null : leftAtEnd / drainCpuSeconds,
  };
}

function isAppserviceAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
