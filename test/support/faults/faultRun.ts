import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MentionLoad } from "./mentionLoad.ts";
import type { Tally } from "./tally.ts";

export const FAULTS_ARTIFACTS_DIR = fileURLToPath(new URL("../../../test-artifacts/faults/", import.meta.url));

/** A fault as a user meets it, and the one documented thing they do afterwards (often nothing). */
export interface Fault {
  name: string;
  inject(): Promise<void>;
  /** What brings the stack back: the command a user runs, or nothing at all. */
  recover(): Promise<void>;
}

export interface FaultReport extends Omit<Tally, "problems" | "latenciesMs"> {
  fault: string;
  /** Seconds from each fault to a new message answered again. */
  recoverySeconds: number[];
  problems: string[];
}

/** Messages sent in the quiet between two waves, and while the fault is under way. */
const WAVE = 25;

/**
 * Runs a steady stream of messages to the agent and strikes with the fault three times, at
 * different moments: between turns (everything answered), mid-stream (an answer half
 * written) and mid-permission (a question waiting for its answer), each time while more
 * messages are on their way. Then waits until every message is answered and counts.
 */
export async function runFaultMatrixRow(load: MentionLoad, fault: Fault, settleMs = 180_000): Promise<FaultReport> {
  const recoverySeconds: number[] = [];
  const say = (what: string) => process.stderr.write(`[faults: ${fault.name}] ${what}\n`);
  const strike = async (moment: string, during: Promise<unknown>) => {
    const started = performance.now();
    say(`${moment}: strike`);
    await fault.inject();
    await fault.recover();
    say(`${moment}: recovered in ${Math.round(performance.now() - started)} ms`);
    await during;
    await load.send("project");
    const count = await load.settle(settleMs);
    recoverySeconds.push(Math.round((performance.now() - started) / 100) / 10);
    say(
      `${moment}: ${count.answeredOnce}/${count.sent} answered once after ${recoverySeconds.at(-1)} s${count.problems.length ? `; ${count.problems.slice(0, 5).join("; ")}` : ""}`,
    );
  };

  // Between turns: everything so far answered, more on the way.
  await load.sendMany(WAVE);
  await load.settle(settleMs);
  await strike("between turns", load.sendMany(WAVE));

  // Mid-stream: an answer being written, edit by edit.
  const slow = await load.send("project", { chunks: 10, delayMs: 300 });
  await load.waitForPartialAnswer(slow);
  await strike("mid-stream", load.sendMany(WAVE));

  // Mid-permission: the agent waits for its owner's answer.
  const asking = await load.send("dm", { permission: true });
  await load.waitForPermissionQuestion(asking);
  await strike("mid-permission", load.sendMany(WAVE));

  const { latenciesMs: _latencies, ...count } = await load.settle(settleMs);
  const report: FaultReport = { fault: fault.name, ...count, recoverySeconds };
  await mkdir(FAULTS_ARTIFACTS_DIR, { recursive: true });
  await appendFile(path.join(FAULTS_ARTIFACTS_DIR, "matrix.jsonl"), `${JSON.stringify(report)}\n`);
  return report;
}

/** Runs the row and fails unless every message (at least 100) was answered exactly once, whole. */
export async function expectEveryMessageAnsweredOnce(load: MentionLoad, fault: Fault): Promise<void> {
  const report = await runFaultMatrixRow(load, fault);
  const { sent, answeredOnce, lost, doubled, truncated } = report;
  if (sent < 100 || answeredOnce !== sent) {
    throw new Error(
      `${fault.name}: ${sent} sent, ${answeredOnce} answered once, ${lost} lost, ${doubled} doubled, ${truncated} cut\n${report.problems.join("\n")}`,
    );
  }
}
