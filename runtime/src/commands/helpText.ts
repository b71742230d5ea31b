import type { SessionState } from "@aachat/protocol";
import type { AvailableCommand } from "@agentclientprotocol/sdk";
import { isOwnCommand } from "./parseCommand.ts";
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

/** A command's line is cut to about this many characters, to stay one line on a phone. */
const LINE_CHARS = 56;

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
      const name = choice.name && choice.name.toLowerCase() !== choice.id.toLowerCase() ? ` — ${choice.name}` : "";
      lines.push(`- \`${choice.id}\`${name}${current}`);
    }
  }
  // Internal commands (`__name`) are left out; those named like aachat's are reached with `/name` after a mention.
  const commands = view.commands
    .map((command) => ({ ...command, name: command.name.replace(/^\//, "") }))
    .filter((command) => !command.name.startsWith("__"));
  const shadowed = commands.filter((command) => isOwnCommand(command.name.toLowerCase()));
  const reachable = commands.filter((command) => !isOwnCommand(command.name.toLowerCase()));
  if (reachable.length > 0) {
    lines.push("", "**Agent commands**");
    for (const command of reachable) {
      const hint = command.input ? " …" : "";
      const shown = `!${command.name}${hint}`;
      lines.push(`- \`${shown}\` — ${short(command.description, Math.max(20, LINE_CHARS - shown.length))}`);
    }
  }
  if (shadowed.length > 0) {
    const names = shadowed.map((command) => `\`/${command.name}\``).join(", ");
    lines.push("", `_The agent's own ${names}: write it after a mention._`);
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

/** The first line of `text`, cut at a word to at most `max` characters. */
function short(text: string, max: number): string {
  const line = text.split("\n")[0]!.trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:—-]+$/, "")}…`;
}
