import type { SessionState } from "@aachat/protocol";
import type { LastStop, RuntimeStatus } from "@aachat/runtime/local";
import { shortTime, table } from "./table.ts";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "agent", "v"]);

/** A line of the runtime's JSON log as a human reads it: `12:01:02 INFO  message key=value`. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line; // not pino's: e.g. a crash's stack trace
  }
  if (typeof entry !== "object" || entry === null || typeof entry.msg !== "string") return line;
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 19) : "--:--:--";
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [time, level, entry.msg, ...fields].join(" ").trimEnd();
}

export function renderSession(session: SessionState): string {
  const projects = session.projects.map((project) => `${project.team}/${project.name}`).join(", ");
  const conversation = session.conversation === "resumed" ? ", conversation resumed" : "";
  const turn = session.turn
    ? `; answering ${session.turn.sender}${session.turn.project ? ` in ${session.turn.project}` : ""}`
    : "";
  const queued = session.queued > 0 ? `, ${session.queued} waiting` : "";
  const error = session.error ? `\n    ${session.error}` : "";
  return `session ${session.id} covering ${projects}: ${session.status} (${session.agent}${conversation})${turn}${queued}${error}`;
}

/** Why a runtime that is not running stopped on its own; "" when it did not. */
function renderLastStop(name: string, lastStop: LastStop | null | undefined): string {
  if (!lastStop) return "";
  if (lastStop.reason === "auth") return ` It stopped at ${shortTime(lastStop.at)}: ${lastStop.message}.`;
  return (
    ` It was displaced at ${shortTime(lastStop.at)}: another runtime connected with this agent's token and replaced it.` +
    ` If that wasn't you, rotate the token: \`aachat agent token rotate ${name}\`.`
  );
}

export function renderRuntimeStatus(name: string, status: RuntimeStatus | null, lastStop?: LastStop | null): string {
  if (!status)
    return `The runtime of ${name} is not running on this machine.${renderLastStop(name, lastStop)} Start it with \`aachat agent start ${name} -p PROJECT\`.`;
  const connection = status.connected
    ? "connected"
    : status.displaced
      ? `not connected since ${shortTime(status.displaced.at)}: ${status.problem ?? "displaced by another runtime"}`
      : status.problem
        ? `not connected: ${status.problem}`
        : "not connected (retrying)";
  const lines = [
    `The runtime of ${name} is running (pid ${status.pid}, version ${status.version}, since ${shortTime(status.startedAt)}, ${Math.round(status.memory.rssMb)} MiB), ${connection}.`,
  ];
  if (status.sessions.length === 0)
    lines.push(`  No sessions. Start one with \`aachat agent start ${name} -p PROJECT\`.`);
  for (const session of status.sessions) lines.push(`  ${renderSession(session)}`);
  return lines.join("\n");
}

export function renderRuntimeTable(
  rows: { name: string; status: RuntimeStatus | null; lastStop?: LastStop | null }[],
): string {
  if (rows.length === 0)
    return "No agent runtimes on this machine yet. Start one with `aachat agent start NAME -p PROJECT`.";
  return table(
    ["AGENT", "RUNTIME", "PID", "SESSIONS"],
    rows.map(({ name, status, lastStop }) => [
      name,
      status
        ? status.connected
          ? "connected"
          : status.displaced
            ? "displaced"
            : "running, not connected"
        : lastStop?.reason === "displaced"
          ? "stopped (displaced)"
          : "stopped",
      status ? String(status.pid) : "-",
      status ? status.sessions.map((s) => `${s.id} ${s.status}`).join(", ") || "none" : "-",
    ]),
  );
}
