import type { PermissionOption } from "@agentclientprotocol/sdk";
import { addressedText } from "../chat/addressedText.ts";

const ALLOW_WORDS = new Set(["yes", "y", "ok", "okay", "allow", "approve", "go", "sure"]);
const ALWAYS_WORDS = new Set(["always", "always allow", "allow always"]);
const REJECT_WORDS = new Set(["no", "n", "reject", "deny", "refuse", "don't", "dont"]);

/**
 * The option a reply picks: its number, its name, or a plain yes / always / no. A leading
 * mention of the agent ("Reviewer: 2") is ignored. Undefined when the reply is not an answer.
 */
export function answerFromText(
  body: string,
  options: readonly PermissionOption[],
  agentNames: readonly string[],
): PermissionOption | undefined {
  const text = addressedText(body, agentNames);
  if (/^[1-9]$/.test(text)) return options[Number(text) - 1];
  const byName = options.find((option) => option.name.toLowerCase() === text);
  if (byName) return byName;
  if (ALWAYS_WORDS.has(text)) return options.find((o) => o.kind === "allow_always");
  if (ALLOW_WORDS.has(text))
    return options.find((o) => o.kind === "allow_once") ?? options.find((o) => o.kind === "allow_always");
  if (REJECT_WORDS.has(text))
    return options.find((o) => o.kind === "reject_once") ?? options.find((o) => o.kind === "reject_always");
  return undefined;
}
