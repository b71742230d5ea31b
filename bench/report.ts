import type { AgentReplyOutcome } from "./agentReplies.ts";
import type { MemoryBreakdown } from "./appserviceMemory.ts";
import { agentScaleLines, type AgentScaleOutcome } from "./agentScale.ts";
import type { IngestResult } from "./ingest.ts";
import { SIGNAL_POLL_MS, type MentionOutcome } from "./mentions.ts";
import type { ProfileSummary } from "./profile.ts";
import type { RuntimeScaleOutcome } from "./runtimeScale.ts";
import type { Summary } from "./stats.ts";

export const INGEST_TARGET_EVENTS_PER_S = 2000;
/** Events the inbox handles per second once they are stored (issue 15). */
export const INBOX_TARGET_EVENTS_PER_S = 10_000;
export const MENTION_TARGET_RATIO = 1.2;
export const AGENT_TARGET_RATIO = 1.2;
/** Issue 15: the appservice with 1,000 runtimes connected. */
export const RUNTIMES_TARGET_MB = 300;
export const RUNTIMES_TARGET_COUNT = 1000;
/** Issue 15: the idle appservice just after it starts, and an agent's runtime idle with its session. */
export const APPSERVICE_IDLE_TARGET_MB = 120;
export const RUNTIME_IDLE_TARGET_MB = 50;

/** How the appservice's inbox processed (handled and marked done) the measured events. */
export interface ProcessingResult {
  /** Events still unprocessed when the phase's last 200 arrived. */
  leftAtEnd: number;
  /** From then until none was left; undefined if it did not finish in time. */
  msAfterEnd: number | undefined;
  /** Measured events over the span of their processedAt times: while stored, so at most the durable rate. */
  eventsPerSecond: number | null;
  /**
   * What the inbox handles once they are stored: the events left when the last 200 arrived
   * over the time until the last was marked processed; null when too few were left to tell.
   */
  drainEventsPerSecond: number | null;
  /** The same events over the CPU time the appservice used meanwhile: what a busy machine changes least. */
  drainEventsPerCpuSecond: number | null;
  /** On CLOCK_MONOTONIC: from the last 200 until none was left (for --cpu-prof); undefined if none was left. */
  drainUs?: { fromUs: number; toUs: number };
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  settings: Record<string, number | boolean>;
  durationS: number;
  stackStartS: number;
  /** The appservice process, from /proc/<pid>/status. */
  rss: { idleMb: number; afterMentionsMb: number; afterIngestMb: number; peakMb: number };
  /** The idle appservice's JS heap and external memory (its GET /metrics); null when unreadable. */
  idleBreakdown: MemoryBreakdown | null;
  mentions: MentionOutcome;
  agents: AgentReplyOutcome;
  runtimes: RuntimeScaleOutcome;
  /** Not a default phase: it registers thousands of agents. */
  agentScale: AgentScaleOutcome;
  /** The agents phase again, on Synapse with workers behind nginx and the appservice on PostgreSQL. */
  workers: AgentReplyOutcome;
  /** Null when the ingest phase was not run. */
  ingest: {
    batched: IngestResult;
    batchedProcessing: ProcessingResult;
    single: IngestResult;
    singleProcessing: ProcessingResult;
  } | null;
  targets: {
    ingestEventsPerSecond: Target;
    inboxEventsPerSecond: Target;
    signalToHumanRatio: Target;
    agentToEchoBotRatio: Target;
    runtimeIdleMb: Target;
    appserviceIdleMb: Target;
  };
  /** With --cpu-prof: the appservice's hot spots in each measured ingest phase. */
  profiles: ProfileSummary[];
}

export interface Target {
  target: number;
  value: number | null;
  met: boolean | null;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const latency = (summary: Summary) =>
  `median ${ms(summary.median)}, p99 ${ms(summary.p99)} (min ${ms(summary.min)}, max ${ms(summary.max)}, n=${summary.count})`;
const mark = (met: boolean | null) => (met === null ? "n/a" : met ? "MET" : "NOT MET");

function ingestLines(title: string, result: IngestResult, processing: ProcessingResult): string[] {
  const rate =
    processing.eventsPerSecond === null
      ? "rate unknown"
      : `${Math.round(processing.eventsPerSecond)} events/s, ${((processing.eventsPerSecond / result.eventsPerSecond) * 100).toFixed(0)}% of the durable rate`;
  const perCpu =
    processing.drainEventsPerCpuSecond === null
      ? ""
      : ` (${Math.round(processing.drainEventsPerCpuSecond)} per CPU-second of the appservice)`;
  const drain =
    processing.drainEventsPerSecond === null
      ? ""
      : `: ${Math.round(processing.drainEventsPerSecond)} events/s${perCpu}`;
  const after =
    processing.leftAtEnd === 0
      ? "none left when the last 200 arrived"
      : processing.msAfterEnd === undefined
        ? `${processing.leftAtEnd} left when the last 200 arrived, not all done in the time allowed`
        : `${processing.leftAtEnd} left when the last 200 arrived, done ${(processing.msAfterEnd / 1000).toFixed(1)} s later${drain}`;
  return [
    `  ${title}: ${result.events} events in ${result.transactions} transactions, ${result.concurrency} concurrent senders`,
    `    durable rate:      ${Math.round(result.eventsPerSecond)} events/s  (${Math.round(result.transactionsPerSecond)} transactions/s, ${(result.durationMs / 1000).toFixed(2)} s)`,
    `    per transaction:   ${latency(result.latencyMs)}`,
    `    stored (checked):  ${result.eventsStored} of ${result.events} events in InboundEvent`,
    `    GET /health meanwhile: ${latency(result.healthProbeMs)}`,
    `    CPU during load:   appservice ${Math.round(result.appserviceCpuPercent)}% of a core, load generator ${Math.round(result.loadGeneratorCpuPercent)}%`,
    `    inbox processing:  ${rate} (by processedAt); ${after}`,
  ];
}

export function formatReport(report: BenchReport): string {
  const { ingest, mentions, agents, runtimes, rss, targets } = report;
  const lines = [
    `aachat benchmark — ${report.startedAt}`,
    `  machine: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, ${report.machine.platform}`,
    `  total ${report.durationS.toFixed(1)} s (stack start ${report.stackStartS.toFixed(1)} s)`,
    "",
    "Ingest: PUT /_matrix/app/v1/transactions/{txnId} straight to the appservice (200 = stored in SQLite)",
  ];
  if (ingest) {
    lines.push(
      ...ingestLines(
        `${ingest.batched.eventsPerTransaction} events per transaction`,
        ingest.batched,
        ingest.batchedProcessing,
      ),
      ...ingestLines("baseline, 1 event per transaction", ingest.single, ingest.singleProcessing),
    );
  } else lines.push("  not run (--phases)");
  lines.push(
    `  target >= ${targets.ingestEventsPerSecond.target} events/s: ${mark(targets.ingestEventsPerSecond.met)}${targets.ingestEventsPerSecond.value === null ? "" : ` (${Math.round(targets.ingestEventsPerSecond.value)} events/s)`}`,
    `  target inbox processing >= ${targets.inboxEventsPerSecond.target} events/s (what was left after the last 200): ${mark(targets.inboxEventsPerSecond.met)}${targets.inboxEventsPerSecond.value === null ? "" : ` (${Math.round(targets.inboxEventsPerSecond.value)} events/s)`}`,
    "",
    "Appservice memory (VmRSS of its process)",
    `  idle after start: ${rss.idleMb.toFixed(1)} MiB; after mentions: ${rss.afterMentionsMb.toFixed(1)} MiB; at the end: ${rss.afterIngestMb.toFixed(1)} MiB; peak (VmHWM): ${rss.peakMb.toFixed(1)} MiB`,
    ...breakdownLines(rss.idleMb, report.idleBreakdown),
    `  target idle <= ${targets.appserviceIdleMb.target} MiB: ${mark(targets.appserviceIdleMb.met)} (${rss.idleMb.toFixed(1)} MiB)`,
    "",
    "Agent answers vs an echo bot (one message at a time; the scripted ACP agent answers at once)",
  );
  if (agents.status !== "ok") lines.push(`  ${agents.status}: ${agents.reason}`);
  else {
    lines.push(
      `  ${agents.rounds} rounds after ${agents.warmupRounds} warm-up, each timed from just before the human's send`,
      `  agent's first message at the human: ${latency(agents.agentFirstChunkMs)}`,
      `  echo bot's answer at the human:     ${latency(agents.echoBotMs)}`,
      `  ratio agent / echo bot:             median ${agents.ratioMedian.toFixed(2)}, p99 ${agents.ratioP99.toFixed(2)}`,
      `  agent's, with its cost footer:      ${latency(agents.agentWithFooterMs)}  (median ratio ${agents.footerRatioMedian.toFixed(2)})`,
      `  runtime memory (its own process, not the agent's): ${agents.runtimeIdleMb.toFixed(1)} MiB idle with its session, ${agents.runtimeAfterRoundsMb.toFixed(1)} MiB at rest after the rounds (JS heap in use ${agents.runtimeHeapUsedMb.toFixed(1)} MiB), peak ${agents.runtimePeakMb.toFixed(1)} MiB`,
      `  of that, the runtime's own pages (not shared with other node processes): ${agents.runtimeIdlePrivateMb.toFixed(1)} MiB idle, ${agents.runtimeAfterRoundsPrivateMb.toFixed(1)} MiB after the rounds`,
    );
  }
  const agentRatio = targets.agentToEchoBotRatio;
  const idle = targets.runtimeIdleMb;
  lines.push(
    `  target ratio <= ${agentRatio.target}: ${mark(agentRatio.met)}${agentRatio.value === null ? "" : ` (median ratio ${agentRatio.value.toFixed(2)})`}`,
    `  target runtime idle <= ${idle.target} MiB: ${mark(idle.met)}${idle.value === null ? "" : ` (${idle.value.toFixed(1)} MiB)`}`,
    "",
    "Appservice memory with many runtimes connected",
  );
  if (runtimes.status !== "ok") lines.push(`  ${runtimes.status}: ${runtimes.reason}`);
  else {
    lines.push(
      `  ${runtimes.runtimes} agents registered in ${runtimes.registerSeconds.toFixed(1)} s; their runtimes connected in ${runtimes.connectSeconds.toFixed(2)} s`,
      `  appservice: ${runtimes.appserviceBeforeMb.toFixed(1)} MiB before, ${runtimes.appserviceConnectedMb.toFixed(1)} MiB with all connected (${runtimes.perRuntimeKb.toFixed(0)} KiB per runtime)`,
      `  target appservice <= ${RUNTIMES_TARGET_MB} MiB with ${RUNTIMES_TARGET_COUNT} connected: ${mark(runtimes.runtimes >= RUNTIMES_TARGET_COUNT ? runtimes.appserviceConnectedMb <= RUNTIMES_TARGET_MB : null)}`,
      `  mention → signal at the agent's runtime, ${runtimes.fewConnected} runtimes connected (baseline): ${latency(runtimes.signalFewMs)}`,
      `  mention → signal at the agent's runtime, all ${runtimes.runtimes} connected:          ${latency(runtimes.signalAllMs)}`,
    );
  }
  if (report.agentScale.status !== "skipped") lines.push(...agentScaleLines(report.agentScale));
  if (report.workers.status !== "skipped") lines.push(...workersLines(agents, report.workers));
  lines.push("", "Mention → signal vs human → human (one message at a time, a real Synapse)");
  if (mentions.status !== "ok") {
    lines.push(`  mention benchmark ${mentions.status}: ${mentions.reason}`);
  } else {
    lines.push(
      `  ${mentions.sends} mentions after ${mentions.warmupSends} warm-up, each timed from just before the client's send`,
      `  signal row visible in SQLite: ${latency(mentions.signalPolledMs)}`,
      `    (found by polling the Signal table read-only every ${SIGNAL_POLL_MS} ms: the row is committed by then)`,
      mentions.signalCreatedAtMs
        ? `  signal createdAt (ms):        ${latency(mentions.signalCreatedAtMs)}\n    (the appservice's own timestamp, taken before its INSERT commits: a lower bound)`
        : `  signal createdAt:             stored with ${mentions.createdAtPrecision} precision only, not used`,
      `  other human's /sync:          ${latency(mentions.humanMs)}`,
      `  ratio signal / human:         median ${mentions.ratioMedian.toFixed(2)}, p99 ${mentions.ratioP99.toFixed(2)}`,
    );
  }
  const ratio = targets.signalToHumanRatio;
  lines.push(
    `  target ratio <= ${ratio.target}: ${mark(ratio.met)}${ratio.value === null ? "" : ` (median ratio ${ratio.value.toFixed(2)})`}`,
  );
  for (const profile of report.profiles) {
    lines.push(
      "",
      `Appservice CPU profile, ${profile.window}: main thread busy ${Math.round(profile.busyPercent)}% of the window`,
      "  self time by package / file:",
      ...profile.modules.map((spot) => `    ${spot.percent.toFixed(1).padStart(5)}%  ${spot.name}`),
      "  self time by function:",
      ...profile.functions.map((spot) => `    ${spot.percent.toFixed(1).padStart(5)}%  ${spot.name}`),
    );
  }
  if (report.profiles[0] && report.settings.keep) lines.push(`  (profile: ${report.profiles[0].file})`);
  return `${lines.join("\n")}\n`;
}

/** The idle RSS split: the JS heap, memory held outside it by JS objects, and the rest (Node itself, code, native). */
function breakdownLines(idleMb: number, breakdown: MemoryBreakdown | null): string[] {
  if (breakdown === null) return ["  idle breakdown: unavailable (GET /metrics did not answer)"];
  const { heapTotalMb, heapUsedMb, externalMb } = breakdown;
  const restMb = idleMb - heapTotalMb - externalMb;
  return [
    `  idle breakdown: JS heap ${heapTotalMb.toFixed(1)} MiB (${heapUsedMb.toFixed(1)} in use), external ${externalMb.toFixed(1)} MiB, the rest (Node itself, compiled and WebAssembly code, native) ${restMb.toFixed(1)} MiB`,
  ];
}

/** The same round trip on the embedded stack and on Synapse with workers, side by side. */
function workersLines(embedded: AgentReplyOutcome, workers: AgentReplyOutcome): string[] {
  const lines = ["", "Mention → agent's answer: embedded Synapse (SQLite) vs Synapse with workers (PostgreSQL, nginx)"];
  if (workers.status !== "ok") return [...lines, `  workers: ${workers.status}: ${workers.reason}`];
  const rows = (label: string, pick: (result: Extract<AgentReplyOutcome, { status: "ok" }>) => Summary) => [
    `  ${label} embedded ${embedded.status === "ok" ? latency(pick(embedded)) : embedded.status}`,
    `  ${" ".repeat(label.length)} workers  ${latency(pick(workers))}`,
  ];
  return [
    ...lines,
    `  ${workers.rounds} rounds each after ${workers.warmupRounds} warm-up`,
    ...rows("agent's first message:", (result) => result.agentFirstChunkMs),
    ...rows("echo bot's answer:    ", (result) => result.echoBotMs),
  ];
}
