/** A chat command addressed to the agent: `!mode plan`, or `/review src` after a mention. */
export interface ChatCommand {
  /** The command's name, lower-cased, without its prefix (`mode`, `review`). */
  name: string;
  /** What follows the name, trimmed, with its case kept. */
  args: string;
  /** `/` is the agent's own syntax: such a command goes to the agent when it has one of that name. */
  prefix: "!" | "/";
}

/** aachat's own chat commands; any other name may be one of the agent's slash commands. */
export const OWN_COMMANDS = ["help", "mode", "model", "compact", "cancel", "status"] as const;
export type OwnCommand = (typeof OWN_COMMANDS)[number];

export function isOwnCommand(name: string): name is OwnCommand {
  return (OWN_COMMANDS as readonly string[]).includes(name);
}

const COMMAND = /^([!/])([a-z][\w:.-]*)(?:\s+([\s\S]*))?$/i;

/**
 * The command a message gives the agent, or null when it is an ordinary message. The
 * message may start with a mention of the agent (its display name, name or user id, with or
 * without `@`, then `:` or `,`). `!` marks a command anywhere; `/` only after a mention,
 * because chat clients keep a leading `/` for their own commands.
 */
export function parseCommand(body: string, agentNames: readonly string[]): ChatCommand | null {
  const text = body.trim();
  const rest = stripMention(text, agentNames);
  const mentioned = rest !== text;
  const match = COMMAND.exec(rest);
  if (!match) return null;
  const [, prefix, name, args] = match;
  if (prefix === "/" && !mentioned) return null;
  return { name: name!.toLowerCase(), args: (args ?? "").trim(), prefix: prefix === "/" ? "/" : "!" };
}

/** The text after a leading mention of the agent; the text itself when it starts with none. */
function stripMention(text: string, agentNames: readonly string[]): string {
  const lower = text.toLowerCase();
  // Longest first: the name "reviewer" must not eat the start of "@reviewer:example.org".
  for (const name of [...agentNames].filter(Boolean).sort((a, b) => b.length - a.length)) {
    for (const prefix of [`@${name.toLowerCase()}`, name.toLowerCase()]) {
      if (!lower.startsWith(prefix)) continue;
      const after = text.slice(prefix.length);
      // A mention ends the word: "Helpers !x" does not address "Helper".
      if (after !== "" && !/^[\s:,]/.test(after)) continue;
      return after.replace(/^[\s:,]+/, "");
    }
  }
  return text;
}
