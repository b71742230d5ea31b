import type { SessionState } from "@aachat/protocol";
import type { LastStop, RuntimeStatus } from "@aachat/runtime/local";
import { shortTime, table } from "./table.ts";

export function renderSession(session: SessionState): string {
  const projects = session.projects.map((project) => `${project.team}/${project.name}`).join(", ");
  const conversation = session.conversation === "resumed" ? ", conversation resumed" : "";
  const turn = session.turn
    ? `; answering ${session.turn.sender}${session.turn.project ? ` in ${session.turn.project}` : ""}`
    : "";
  const queued = session.queued > 0 ? `, ${session.queued} waiting` : "";
  const error = session.error ? `\n    ${session.error}` : "";
  const settings = [
    session.mode && `mode ${session.mode}`,
    session.model && `model ${session.model}`,
    session.usage && `$${session.usage.costUsd.toFixed(2)} so far`,
    session.paused && `paused: ${session.paused}`,
  ]
    .filter(Boolean)
    .map((setting) => ` · ${setting}`)
    .join("");
  return `session ${session.id} covering ${projects}: ${session.status} (${session.agent}${conversation})${settings}${turn}${queued}${error}`;
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
