import type { SessionState } from "@aachat/protocol";
import type { AvailableCommand } from "@agentclientprotocol/sdk";
import type { Choice, SettingKind } from "./SessionSettings.ts";

/** What `!help` shows of a session; null when no session covers the room. */
export interface HelpView {
  modes: Choice[];
  models: Choice[];
  current: Record<SettingKind, string | null>;
  commands: readonly AvailableCommand[];
}

const OWN_HELP: readonly [string, string][] = [
  ["!mode NAME", "switch the session's mode"],
  ["!model NAME", "switch the model"],
  ["!compact", "compact the conversation"],
  ["!cancel", "stop the running turn here"],
  ["!status", "what the session is doing"],
  ["!help", "this list"],
];

const MAX_DESCRIPTION = 80;

/**
 * `!help` as Markdown read on a phone: short lines, lists, the current mode and model marked,
 * and the agent's own slash commands as `!name`.
 */
export function helpText(view: HelpView | null): string {
  const lines = ["**Commands** (start a message with them)", ...OWN_HELP.map(([c, what]) => `- \`${c}\` — ${what}`)];
  if (!view) {
    lines.push("", "_No session of mine covers this room, so there are no modes or agent commands yet._");
    return lines.join("\n");
  }
  for (const [kind, title] of [
    ["mode", "Modes"],
    ["model", "Models"],
  ] as const) {
    const choices = kind === "mode" ? view.modes : view.models;
    if (choices.length === 0) continue;
    lines.push("", `**${title}**`);
    for (const choice of choices) {
      const current = choice.id === view.current[kind] ? " ← current" : "";
      const name = choice.name && choice.name !== choice.id ? ` (${choice.name})` : "";
      lines.push(`- \`${choice.id}\`${name}${current}`);
    }
  }
  if (view.commands.length > 0) {
    lines.push("", "**Agent commands**");
    for (const command of view.commands) {
      const name = command.name.replace(/^\//, "");
      const hint = command.input ? " …" : "";
      lines.push(`- \`!${name}${hint}\` — ${short(command.description)}`);
    }
  }
  return lines.join("\n");
}

/** `!status` as one short notice. */
export function statusText(session: SessionState): string {
  const parts = [`Session \`${session.id}\`: ${session.status}`];
  if (session.mode) parts.push(`mode ${session.mode}`);
  if (session.model) parts.push(`model ${session.model}`);
  parts.push(`${session.queued} queued`);
  const turn = session.turn
    ? `answering ${session.turn.sender}${session.turn.project ? ` in ${session.turn.project}` : " in the DM"} since ${session.turn.startedAt.slice(11, 16)} UTC`
    : "no turn running";
  const title = session.title ? `\n_${session.title}_` : "";
  return `${parts.join(" · ")} · ${turn}${title}`;
}

function short(text: string): string {
  const line = text.split("\n")[0]!.trim();
  return line.length > MAX_DESCRIPTION ? `${line.slice(0, MAX_DESCRIPTION - 1)}…` : line;
}
