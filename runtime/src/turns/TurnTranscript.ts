import type { PlanEntry, SessionUpdate, ToolCallStatus } from "@agentclientprotocol/sdk";

type Part =
  | { kind: "text"; text: string }
  | { kind: "tool"; id: string; title: string; status: ToolCallStatus }
  | { kind: "plan"; entries: PlanEntry[] };

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
 * checklist where it first appeared.
 */
export class TurnTranscript {
  readonly #parts: Part[] = [];

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
        } else {
          this.#parts.push({
            kind: "tool",
            id: update.toolCallId,
            title: update.title || "a tool",
            status: update.status ?? "pending",
          });
        }
        return true;
      }
      case "tool_call_update": {
        const tool = this.#tool(update.toolCallId);
        if (!tool) {
          this.#parts.push({
            kind: "tool",
            id: update.toolCallId,
            title: update.title || "a tool",
            status: update.status ?? "in_progress",
          });
          return true;
        }
        const before = `${tool.title}|${tool.status}`;
        if (update.title) tool.title = update.title;
        if (update.status) tool.status = update.status;
        return before !== `${tool.title}|${tool.status}`;
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
        tools.push(`_▸ ${oneLine(part.title)}_ ${TOOL_MARK[part.status]}`);
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

  #tool(id: string): Extract<Part, { kind: "tool" }> | undefined {
    return this.#parts.find((part): part is Extract<Part, { kind: "tool" }> => part.kind === "tool" && part.id === id);
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}
