import path from "node:path";
import { isPlainObject } from "../isPlainObject.ts";
import type { Problem } from "./Problem.ts";
import { readTextIfPresent } from "./readTextIfPresent.ts";

export const SETTINGS_FILE = ".claude/settings.json";

/** Checks that `.claude/settings.json`, when present, is a JSON object Claude Code can read. */
export async function checkSettingsJson(repoDir: string): Promise<Problem[]> {
  const text = await readTextIfPresent(path.join(repoDir, SETTINGS_FILE));
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's wording of the reason differs between Node versions; the line is what helps.
    return [
      {
        file: SETTINGS_FILE,
        line: lineOfJsonError(text, error),
        message: "invalid JSON; fix the syntax here (Claude Code cannot use a settings file it cannot parse)",
      },
    ];
  }
  if (!isPlainObject(value)) {
    return [
      { file: SETTINGS_FILE, line: 1, message: 'must be a JSON object, e.g. { "permissions": { "allow": [] } }' },
    ];
  }
  return [];
}

/** The 1-based line V8 reports for a JSON syntax error (`position N` or `line N column M`). */
function lineOfJsonError(text: string, error: unknown): number {
  const message = error instanceof Error ? error.message : "";
  const lineMatch = /\(line (\d+) column \d+\)/.exec(message);
  if (lineMatch?.[1]) return Number(lineMatch[1]);
  const positionMatch = /at position (\d+)/.exec(message);
  const offset = positionMatch?.[1] ? Number(positionMatch[1]) : text.trimEnd().length;
  return text.slice(0, offset).split("\n").length;
}
