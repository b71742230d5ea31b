// `npm run bench:faults`: the embedded stack as `npm start` runs it (Synapse, the appservice,
// an agent's runtime with the scripted ACP agent), a person sending mentions and DMs one after
// another, first undisturbed (the baseline), then while `aachat up` is SIGKILLed and started
// again at regular intervals. Prints sent, answered once, lost, doubled and truncated, the
// answer latency (median, p99), throughput and the time each restart took.
import "../test/setup/node20.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { EmbeddedStack } from "../test/support/faults/embeddedStack.ts";
import { MentionLoad } from "../test/support/faults/mentionLoad.ts";
import type { Tally } from "../test/support/faults/tally.ts";
import { summarize } from "./stats.ts";

const USAGE = `Usage: npm run bench:faults -- [options]

  --mentions N     messages sent while aachat up is killed (default 1000)
  --kills N        SIGKILLs of aachat up, evenly spread over them (default 20)
  --baseline N     messages sent first with no fault, for comparison (default 100)
  --json           print the report as JSON
  --keep           keep the temporary directory
`;

const { values: args } = parseArgs({
  options: {
    mentions: { type: "string", default: "1000" },
    kills: { type: "string", default: "20" },
    baseline: { type: "string", default: "100" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const whole = (name: string, value: string, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`error: --${name} must be a whole number of at least ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const mentions = whole("mentions", args.mentions, 1);
const kills = whole("kills", args.kills, 0);
const baseline = whole("baseline", args.baseline, 1);

const say = (line: string) => process.stderr.write(`${line}\n`);
const SETTLE_MS = 30 * 60_000;

interface PhaseReport extends Omit<Tally, "problems" | "latenciesMs"> {
  seconds: number;
  answersPerSecond: number;
  latencyMs: ReturnType<typeof summarize> | null;
  problems: string[];
}

function phaseReport(count: Tally, startedAt: number): PhaseReport {
  const { latenciesMs, problems, ...rest } = count;
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    ...rest,
    seconds: Math.round(seconds * 10) / 10,
    answersPerSecond: Math.round((count.answeredOnce / seconds) * 10) / 10,
    latencyMs: latenciesMs.length > 0 ? summarize(latenciesMs) : null,
    problems: problems.slice(0, 20),
  };
}

const dir = await mkdtemp(path.join(tmpdir(), "aachat-bench-faults-"));
const stack = await EmbeddedStack.create(dir);
try {
  say(`Starting the embedded stack in ${dir}…`);
  await stack.start();
  const owner = await stack.admin();
  const target = await stack.user.agentInProject(
    owner,
    { homeserverUrl: stack.homeserverUrl, serverUrl: stack.appserviceUrl },
    { team: "bench", project: "load", agent: "steady", displayName: "Steady" },
  );

  say(`Baseline: ${baseline} messages, no fault…`);
  const calm = new MentionLoad(owner, target);
  let started = performance.now();
  await calm.sendMany(baseline);
  const baselineReport = phaseReport(await calm.settle(SETTLE_MS), started);

  say(`Faults: ${mentions} messages, aachat up SIGKILLed ${kills} times…`);
  const stormy = new MentionLoad(owner, target);
  const restartsMs: number[] = [];
  started = performance.now();
  const every = kills > 0 ? Math.floor(mentions / (kills + 1)) : Infinity;
  const sending = stormy.sendMany(mentions);
  for (let kill = 1; kill <= kills; kill++) {
    while (stormy.mentions.length < kill * every) await new Promise((resolve) => setTimeout(resolve, 20));
    const down = performance.now();
    await stack.killUp();
    await stack.start();
    restartsMs.push(performance.now() - down);
    say(
      `  kill ${kill}/${kills} after message ${stormy.mentions.length}: back in ${Math.round(restartsMs.at(-1)!)} ms`,
    );
  }
  await sending;
  const faultReport = phaseReport(await stormy.settle(SETTLE_MS), started);

  const report = {
    baseline: baselineReport,
    faults: { ...faultReport, kills, restartMs: restartsMs.length > 0 ? summarize(restartsMs) : null },
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(formatReport(report));
  process.exitCode = faultReport.lost + faultReport.doubled + faultReport.truncated === 0 ? 0 : 1;
} finally {
  await stack.stop().catch(() => undefined);
  if (args.keep) say(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

function formatReport(report: {
  baseline: PhaseReport;
  faults: PhaseReport & { kills: number; restartMs: ReturnType<typeof summarize> | null };
}): string {
  const row = (name: string, phase: PhaseReport) =>
    `  ${name.padEnd(22)} ${String(phase.sent).padStart(5)} ${String(phase.answeredOnce).padStart(7)} ${String(phase.lost).padStart(5)} ${String(phase.doubled).padStart(7)} ${String(phase.truncated).padStart(9)}   ${phase.latencyMs ? `${Math.round(phase.latencyMs.median)} / ${Math.round(phase.latencyMs.p99)} ms` : "-"}   ${phase.answersPerSecond}/s`;
  const { faults } = report;
  return [
    "Nothing lost, nothing twice: aachat up SIGKILLed under a stream of messages",
    `  ${"".padEnd(22)} ${"sent".padStart(5)} ${"once".padStart(7)} ${"lost".padStart(5)} ${"doubled".padStart(7)} ${"truncated".padStart(9)}   answer median / p99   throughput`,
    row("baseline (no fault)", report.baseline),
    row(`${faults.kills} × kill -9 aachat up`, faults),
    faults.restartMs
      ? `  restart (kill → "aachat is up"): median ${Math.round(faults.restartMs.median)} ms, p99 ${Math.round(faults.restartMs.p99)} ms`
      : "",
    ...[...report.baseline.problems, ...faults.problems].map((problem) => `  problem: ${problem}`),
    "",
  ].join("\n");
}
