import type { Agent, Signal } from "@aachat/api";
import { renderSession } from "./runtime.ts";
import { oneLine, shortTime, table } from "./table.ts";

export function renderAgentList(agents: readonly Agent[]): string {
  if (agents.length === 0) return "No agents yet. Create one with `aachat agent create NAME`";
  return table(
    ["AGENT", "USER", "DISPLAY NAME", "PROJECTS", "TOKEN", "RUNTIME"],
    agents.map((agent) => [
      agent.name,
      agent.userId,
      agent.displayName,
      String(agent.projects.length),
      tokenState(agent),
      runtimeState(agent),
    ]),
  );
}

export function renderAgent(agent: Agent): string {
  const projects = agent.projects.map((membership) => `${membership.team}/${membership.project}`);
  const sessions = agent.runtime.state?.sessions ?? [];
  return [
    `Agent ${agent.name} (${agent.displayName})`,
    `  user:     ${agent.userId}`,
    `  owner:    ${agent.owner}`,
    `  repo:     ${agent.repoUrl ?? "-"}`,
    `  dm room:  ${agent.dmRoomId}`,
    `  projects: ${projects.length === 0 ? "-" : projects.join(", ")}`,
    `  token:    ${tokenState(agent)}`,
    `  runtime:  ${runtimeState(agent)}`,
    ...sessions.map((session) => `            ${renderSession(session)}`),
    `  created:  ${agent.createdAt}`,
  ].join("\n");
}

/** The runtime token is printed here and never again: the server keeps only its hash. */
export function renderRuntimeToken(agentName: string, token: string, keptIn: string): string {
  return [
    `Runtime token for ${agentName} (shown only now; the server cannot show it again):`,
    "",
    `  ${token}`,
    "",
    `It is kept on this machine for \`aachat agent start\` (${keptIn}, readable only by you).`,
    `Keep it secret. Lost it? \`aachat agent token rotate ${agentName}\` makes a new one.`,
  ].join("\n");
}

export function renderSignalList(signals: readonly Signal[], agentName: string, pendingOnly: boolean): string {
  if (signals.length === 0) {
    return pendingOnly
      ? `No pending signals for ${agentName}. Show every signal with \`aachat agent signals ${agentName} --all\``
      : `No signals for ${agentName} yet. Mention the agent in one of its projects, or DM it, to make one.`;
  }
  return table(
    ["TIME", "WHERE", "FROM", "STATE", "MESSAGE"],
    signals.map((signal) => [
      shortTime(signal.createdAt),
      signal.team && signal.project ? `${signal.team}/${signal.project}` : "DM",
      signal.sender,
      signal.acknowledgedAt ? "done" : "pending",
      oneLine(signal.body),
    ]),
  );
}

function tokenState(agent: Agent): string {
  return agent.tokenIssuedAt ? `issued ${shortTime(agent.tokenIssuedAt)}` : "none";
}

function runtimeState(agent: Agent): string {
  const { online, connectedAt, state } = agent.runtime;
  if (!online || !connectedAt) return "offline";
  const where = state ? ` on ${state.hostname} (version ${state.version}, ${state.sessions.length} session(s))` : "";
  return `online since ${shortTime(connectedAt)}${where}`;
}
