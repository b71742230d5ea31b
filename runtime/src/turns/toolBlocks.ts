import { basename, isAbsolute, relative } from "node:path";
import type { ToolCallContent, ToolKind } from "@agentclientprotocol/sdk";
import { fileDiff } from "./diffText.ts";

/** What chat shows of a tool call besides its line: the files it changed, the output it printed. */
export type ToolItem =
  { kind: "diff"; path: string; oldText: string | null; newText: string } | { kind: "output"; text: string };

/** A diff or output too long for the answer, posted whole as a file in its thread. */
export interface ToolAttachment {
  /** Unique within the turn: the file is posted once per key. */
  key: string;
  name: string;
  mimetype: string;
  text: string;
}

/** Longer than this (in lines or bytes), a block shows only its head and is attached whole. */
export const INLINE_MAX_LINES = 40;
export const INLINE_MAX_BYTES = 4096;
/** What shows of a long diff. */
const DIFF_HEAD_LINES = 12;
/** What shows of long output: its first and last lines (the end is where errors are). */
const OUTPUT_HEAD_LINES = 6;
const OUTPUT_TAIL_LINES = 6;
/** A shown line longer than this is cut (minified code, base64). */
const MAX_LINE_CHARS = 200;

/**
 * The items worth showing of a tool call's ACP content: each file diff, and the text output
 * of a command (a tool of kind `execute`; other tools' text, such as a file read, stays out).
 */
export function toolItems(
  content: readonly ToolCallContent[] | null | undefined,
  kind: ToolKind | undefined,
  rawOutput?: unknown,
): ToolItem[] {
  const items: ToolItem[] = [];
  for (const item of content ?? []) {
    if (item.type === "diff") {
      items.push({ kind: "diff", path: item.path, oldText: item.oldText ?? null, newText: item.newText });
    } else if (item.type === "content" && item.content.type === "text" && kind === "execute") {
      const text = unfenced(item.content.text);
      if (text.trim()) items.push({ kind: "output", text });
    }
  }
  if (kind === "execute" && !items.some((item) => item.kind === "output")) {
    const text = rawText(rawOutput);
    if (text?.trim()) items.push({ kind: "output", text });
  }
  return items;
}

/** Markdown of a tool's items, and the files to attach for those too long to show whole. */
export function renderToolItems(
  items: readonly ToolItem[],
  options: {
    /** Names the tool call within the turn, for the attachments' keys. */
    keyPrefix: string;
    /** The tool call's place in the turn (1 for the first), for the output file's name. */
    ordinal: number;
    /** The workspace, which diff paths are shown relative to. */
    root?: string | undefined;
  },
): { markdown: string; attachments: ToolAttachment[] } {
  const blocks: string[] = [];
  const attachments: ToolAttachment[] = [];
  for (const [index, item] of items.entries()) {
    const key = `${options.keyPrefix}:${index}`;
    if (item.kind === "diff") {
      const path = shownPath(item.path, options.root);
      const diff = fileDiff(path, item.oldText, item.newText);
      if (!diff.hunks) continue;
      const summary = `${path} +${diff.added} −${diff.removed}`;
      const lines = diff.hunks.split("\n");
      if (!isLong(diff.hunks, lines)) {
        blocks.push(fenced(`diff ${summary}`, diff.hunks));
        continue;
      }
      const name = `${fileName(basename(path))}.diff`;
      attachments.push({ key, name, mimetype: "text/x-diff", text: diff.patch });
      blocks.push(
        fenced(`diff ${summary}`, lines.slice(0, DIFF_HEAD_LINES).map(cutLine).join("\n")),
        `_… ${lines.length - DIFF_HEAD_LINES} more lines: the whole diff is attached as ${name}_`,
      );
    } else {
      const lines = item.text.replace(/\n+$/, "").split("\n");
      const count = `${lines.length} line${lines.length === 1 ? "" : "s"}`;
      if (!isLong(item.text, lines)) {
        blocks.push(fenced(`console output, ${count}`, lines.map(cutLine).join("\n")));
        continue;
      }
      const name = `output-${options.ordinal}${index > 0 ? `-${index + 1}` : ""}.txt`;
      attachments.push({ key, name, mimetype: "text/plain", text: item.text });
      const shown = [
        ...lines.slice(0, OUTPUT_HEAD_LINES),
        `… ${lines.length - OUTPUT_HEAD_LINES - OUTPUT_TAIL_LINES} lines …`,
        ...lines.slice(-OUTPUT_TAIL_LINES),
      ];
      blocks.push(
        fenced(`console output, ${count}`, shown.map(cutLine).join("\n")),
        `_The whole output is attached as ${name}_`,
      );
    }
  }
  return { markdown: blocks.join("\n"), attachments };
}

function isLong(text: string, lines: readonly string[]): boolean {
  return lines.length > INLINE_MAX_LINES || Buffer.byteLength(text) > INLINE_MAX_BYTES;
}

/** A fenced block that nothing in `text` can close early, with a one-line info string. */
export function fenced(info: string, text: string): string {
  let fence = "```";
  for (const [run] of text.matchAll(/^ {0,3}(`{3,})/gm)) {
    const length = run.trimStart().length;
    if (length >= fence.length) fence = "`".repeat(length + 1);
  }
  return `${fence}${info.replace(/[`\r\n]+/g, "?")}\n${text}\n${fence}`;
}

/** The path relative to the workspace when inside it, as given otherwise. */
function shownPath(path: string, root: string | undefined): string {
  if (!root || !isAbsolute(path)) return path;
  const inside = relative(root, path);
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : path;
}

function fileName(name: string): string {
  return name.replace(/[^\w.-]+/g, "_").slice(0, 200) || "change";
}

function cutLine(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}

/** A command's output without the code fence some agents wrap it in (claude-agent-acp: ```console). */
function unfenced(text: string): string {
  const match = /^(`{3,})[^`\n]*\n([\s\S]*?)\n?\1[ \t]*\n?$/.exec(text);
  return match ? match[2]! : text;
}

function rawText(rawOutput: unknown): string | undefined {
  if (typeof rawOutput === "string") return rawOutput;
  if (typeof rawOutput !== "object" || rawOutput === null) return undefined;
  const { output, stdout } = rawOutput as { output?: unknown; stdout?: unknown };
  return typeof output === "string" ? output : typeof stdout === "string" ? stdout : undefined;
}
