import type { PlanEntry, SessionUpdate, ToolCallContent, ToolCallStatus, ToolKind } from "@agentclientprotocol/sdk";
import { renderToolItems, toolItems, type ToolAttachment } from "./toolBlocks.ts";

interface ToolPart {
  kind: "tool";
  id: string;
  title: string;
  status: ToolCallStatus;
  toolKind: ToolKind | undefined;
  /** The tool's content as the agent last sent it (an update replaces it whole). */
  content: readonly ToolCallContent[] | undefined;
  rawOutput: unknown;
  /** Its place among the turn's tool calls, from 1. */
  ordinal: number;
  /** What its content renders to, until the content changes. */
  rendered: { markdown: string; attachments: ToolAttachment[] } | null;
}

type Part = { kind: "text"; text: string } | ToolPart | { kind: "plan"; entries: PlanEntry[] };

const TOOL_MARK: Record<ToolCallStatus, string> = {
  pending: "…",
  in_progress: "…",
  completed: "✓",
  failed: "✗",
};

const PLAN_MARK: Record<PlanEntry["status"], string> = {
  pending: "☐",
  in_progress: "▶",
  completed: "☑",
};

/**
 * What the agent has said and done in one turn, as chat shows it: its text as written,
 * each tool call as one compact line that updates in place, and its plan as a short
 * checklist where it first appeared. Under a tool's line, the files it changed as diffs and
 * the output of a command, collapsed and cut short when long (the whole is then attached).
 */
export class TurnTranscript {
  readonly #parts: Part[] = [];
  readonly #root: string | undefined;
  #tools = 0;

  /** `root`: the workspace, which file paths are shown relative to. */
  constructor(options: { root?: string | undefined } = {}) {
    this.#root = options.root;
  }

  /** Takes one ACP session update; true when what chat shows changed. */
  apply(update: SessionUpdate): boolean {
    switch (update.sessionUpdate) {
      case "agent_message_chunk": {
        if (update.content.type !== "text" || update.content.text === "") return false;
        const last = this.#parts.at(-1);
        if (last?.kind === "text") last.text += update.content.text;
        else this.#parts.push({ kind: "text", text: update.content.text });
        return true;
      }
      case "tool_call": {
        const existing = this.#tool(update.toolCallId);
        if (existing) {
          existing.title = update.title || existing.title;
          existing.status = update.status ?? existing.status;
          setContent(existing, update);
        } else {
          this.#parts.push(this.#newTool(update.toolCallId, update.title, update.status ?? "pending", update));
        }
        return true;
      }
      case "tool_call_update": {
        const tool = this.#tool(update.toolCallId);
        if (!tool) {
          this.#parts.push(
            this.#newTool(update.toolCallId, update.title ?? "", update.status ?? "in_progress", update),
          );
          return true;
        }
        const before = `${tool.title}|${tool.status}`;
        if (update.title) tool.title = update.title;
        if (update.status) tool.status = update.status;
        return setContent(tool, update) || before !== `${tool.title}|${tool.status}`;
      }
      case "plan": {
        const plan = this.#parts.find((part) => part.kind === "plan");
        if (plan) plan.entries = update.entries;
        else this.#parts.push({ kind: "plan", entries: update.entries });
        return true;
      }
      default:
        return false;
    }
  }

  /** Whether the agent has shown anything yet. */
  get isEmpty(): boolean {
    return this.render() === "";
  }

  /** The agent's own text only, without tool lines or plan. */
  get text(): string {
    return this.#parts
      .flatMap((part) => (part.kind === "text" ? [part.text] : []))
      .join("")
      .trim();
  }

  /** Markdown for chat: text blocks, tool lines grouped, the plan as a checklist. */
  render(): string {
    const blocks: string[] = [];
    let tools: string[] = [];
    const endTools = () => {
      if (tools.length > 0) blocks.push(tools.join("\n"));
      tools = [];
    };
    for (const part of this.#parts) {
      if (part.kind === "tool") {
        const line = `_▸ ${oneLine(part.title)}_ ${TOOL_MARK[part.status]}`;
        const { markdown } = this.#rendered(part);
        // A tool's diffs and output stay with its line; a long answer is split between tools.
        tools.push(markdown ? `${line}\n${markdown}` : line);
        if (markdown) endTools();
        continue;
      }
      endTools();
      if (part.kind === "text") {
        const text = part.text.trim();
        if (text) blocks.push(text);
      } else if (part.entries.length > 0) {
        blocks.push(
          ["**Plan**", ...part.entries.map((entry) => `${PLAN_MARK[entry.status]} ${oneLine(entry.content)}`)].join(
            "\n",
          ),
        );
      }
    }
    endTools();
    return blocks.join("\n\n");
  }

  /** The diffs and outputs too long to show whole, to post as files beside the answer. */
  attachments(): ToolAttachment[] {
    return this.#parts.flatMap((part) => (part.kind === "tool" ? this.#rendered(part).attachments : []));
  }

  #newTool(
    id: string,
    title: string,
    status: ToolCallStatus,
    update: { kind?: ToolKind | null; content?: ToolCallContent[] | null; rawOutput?: unknown },
  ): ToolPart {
    const tool: ToolPart = {
      kind: "tool",
      id,
      title: title || "a tool",
      status,
      toolKind: undefined,
      content: undefined,
      rawOutput: undefined,
      ordinal: ++this.#tools,
      rendered: null,
    };
    setContent(tool, update);
    return tool;
  }

  #rendered(tool: ToolPart): { markdown: string; attachments: ToolAttachment[] } {
    tool.rendered ??= renderToolItems(toolItems(tool.content, tool.toolKind, tool.rawOutput), {
      keyPrefix: tool.id,
      ordinal: tool.ordinal,
      root: this.#root,
    });
    return tool.rendered;
  }

  #tool(id: string): ToolPart | undefined {
    return this.#parts.find((part): part is ToolPart => part.kind === "tool" && part.id === id);
  }
}

/** Takes what an update says of a tool's kind, content and raw output; true when that changed. */
function setContent(
  tool: ToolPart,
  update: { kind?: ToolKind | null; content?: ToolCallContent[] | null; rawOutput?: unknown },
): boolean {
  let changed = false;
  if (update.kind && update.kind !== tool.toolKind) {
    tool.toolKind = update.kind;
    changed = true;
  }
  if (update.content !== undefined && update.content !== null) {
    tool.content = update.content;
    changed = true;
  }
  if (update.rawOutput !== undefined) {
    tool.rawOutput = update.rawOutput;
    changed = true;
  }
  if (changed) tool.rendered = null;
  return changed;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}
