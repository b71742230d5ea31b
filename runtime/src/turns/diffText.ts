import { structuredPatch } from "diff";

/** Past this, two texts are not diffed line by line: the change shows as a whole replacement. */
const MAX_DIFF_INPUT_BYTES = 1024 * 1024;
/** The line diff runs on the event loop: it gives up after this long. */
const DIFF_TIMEOUT_MS = 200;
const CONTEXT_LINES = 3;

/** A file change as a unified diff, with its size in lines. */
export interface FileDiff {
  /** The whole patch, with its `---`/`+++` header: what a `.diff` file holds. */
  patch: string;
  /** The hunks only (from the first `@@`), for showing under a tool line. */
  hunks: string;
  added: number;
  removed: number;
}

/**
 * The unified diff of one file's change; `oldText` null for a new file. Paths are shown as
 * given (`a/` and `b/` prefixes, as git writes them, so the file applies with `git apply`).
 */
export function fileDiff(path: string, oldText: string | null, newText: string): FileDiff {
  const oldName = oldText === null ? "/dev/null" : `a/${path}`;
  const header = `--- ${oldName}\n+++ b/${path}\n`;
  // Agents send excerpts (claude-agent-acp: a hunk's lines joined) without the last line's end:
  // when neither side has it, "\ No newline at end of file" would say nothing true.
  if (!newText.endsWith("\n") && newText !== "" && (oldText === null || (oldText !== "" && !oldText.endsWith("\n")))) {
    newText += "\n";
    if (oldText !== null) oldText += "\n";
  }
  const old = oldText ?? "";
  const hunks =
    Buffer.byteLength(old) + Buffer.byteLength(newText) > MAX_DIFF_INPUT_BYTES
      ? undefined
      : structuredPatch(oldName, `b/${path}`, old, newText, undefined, undefined, {
          context: CONTEXT_LINES,
          timeout: DIFF_TIMEOUT_MS,
        })?.hunks;
  const lines: string[] = [];
  if (hunks) {
    for (const hunk of hunks) {
      lines.push(`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`);
      lines.push(...hunk.lines);
    }
  } else {
    lines.push(...wholeReplacement(old, newText));
  }
  const added = lines.filter((line) => line.startsWith("+")).length;
  const removed = lines.filter((line) => line.startsWith("-")).length;
  const body = lines.length > 0 ? `${lines.join("\n")}\n` : "";
  return { patch: header + body, hunks: body.trimEnd(), added, removed };
}

/** `start,count` as a hunk header writes it; an empty side starts one line earlier. */
function range(start: number, count: number): string {
  return count === 0 ? `${start - 1},0` : count === 1 ? `${start}` : `${start},${count}`;
}

function wholeReplacement(oldText: string, newText: string): string[] {
  const split = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  const removed = split(oldText);
  const added = split(newText);
  if (removed.length === 0 && added.length === 0) return [];
  return [
    `@@ -${range(1, removed.length)} +${range(1, added.length)} @@`,
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
  ];
}
