import type { IngestResult } from "./ingest.ts";
import { SIGNAL_POLL_MS, type MentionOutcome } from "./mentions.ts";
import type { ProfileSummary } from "./profile.ts";
import type { Summary } from "./stats.ts";

export const INGEST_TARGET_EVENTS_PER_S = 2000;
export const MENTION_TARGET_RATIO = 1.2;

/** How the appservice's inbox processed (handled and marked done) the measured events. */
export interface ProcessingResult {
  /** Events still unprocessed when the phase's last 200 arrived. */
  leftAtEnd: number;
  /** From then until none was left; undefined if it did not finish in time. */
  msAfterEnd: number | undefined;
  /** Measured events over the span of their processedAt times. */
  eventsPerSecond: number | null;
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  settings: Record<string, number | boolean>;
  durationS: number;
  stackStartS: number;
  /** The appservice process, from /proc/<pid>/status. */
  rss: { idleMb: number; afterMentionsMb: number; afterIngestMb: number; peakMb: number };
  mentions: MentionOutcome;
  ingest: {
    batched: IngestResult;
    batchedProcessing: ProcessingResult;
    single: IngestResult;
    singleProcessing: ProcessingResult;
  };
  targets: {
    ingestEventsPerSecond: { target: number; value: number; met: boolean };
    signalToHumanRatio: { target: number; value: number | null; met: boolean | null };
  };
  /** With --cpu-prof: the appservice's hot spots in each measured ingest phase. */
  profiles: ProfileSummary[];
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const latency = (summary: Summary) =>
  `median ${ms(summary.median)}, p99 ${ms(summary.p99)} (min ${ms(summary.min)}, max ${ms(summary.max)}, n=${summary.count})`;
const mark = (met: boolean | null) => (met === null ? "n/a" : met ? "MET" : "NOT MET");

function ingestLines(title: string, result: IngestResult, processing: ProcessingResult): string[] {
  const rate =
    processing.eventsPerSecond === null ? "rate unknown" : `${Math.round(processing.eventsPerSecond)} events/s`;
  const after =
    processing.leftAtEnd === 0
      ? "none left when the last 200 arrived"
      : processing.msAfterEnd === undefined
        ? `${processing.leftAtEnd} left when the last 200 arrived, not all done in the time allowed`
        : `${processing.leftAtEnd} left when the last 200 arrived, done ${(processing.msAfterEnd / 1000).toFixed(1)} s later`;
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
  const { ingest, mentions, rss, targets } = report;
  const lines = [
    `aachat benchmark — ${report.startedAt}`,
    `  machine: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, ${report.machine.platform}`,
    `  total ${report.durationS.toFixed(1)} s (stack start ${report.stackStartS.toFixed(1)} s)`,
    "",
    "Ingest: PUT /_matrix/app/v1/transactions/{txnId} straight to the appservice (200 = stored in SQLite)",
    ...ingestLines(
      `${ingest.batched.eventsPerTransaction} events per transaction`,
      ingest.batched,
      ingest.batchedProcessing,
    ),
    ...ingestLines("baseline, 1 event per transaction", ingest.single, ingest.singleProcessing),
    `  target >= ${targets.ingestEventsPerSecond.target} events/s: ${mark(targets.ingestEventsPerSecond.met)} (${Math.round(targets.ingestEventsPerSecond.value)} events/s)`,
    "",
    "Appservice memory (VmRSS of its process)",
    `  idle after start: ${rss.idleMb.toFixed(1)} MiB; after mentions: ${rss.afterMentionsMb.toFixed(1)} MiB; after ingest: ${rss.afterIngestMb.toFixed(1)} MiB; peak (VmHWM): ${rss.peakMb.toFixed(1)} MiB`,
    "",
    "Mention → signal vs human → human (one message at a time, a real Synapse)",
  ];
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
