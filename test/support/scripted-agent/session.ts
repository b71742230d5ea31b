import type { McpServer } from "@agentclientprotocol/sdk";
import { McpLink } from "./mcp.ts";
import { saveSession, type HistoryEntry, type StoredSession } from "./store.ts";

/** A session live in this process: the stored part plus per-process state. */
export class Session implements StoredSession {
  /** Prompts seen, including those of earlier processes (from the history). */
  promptCount: number;
  /** Abort controllers of the turns running now; `session/cancel` aborts them all. */
  readonly turns = new Set<AbortController>();
  mcp: McpLink;
  private toolCalls = 0;

  constructor(
    readonly id: string,
    readonly cwd: string,
    public mcpServers: McpServer[],
    readonly history: HistoryEntry[],
    readonly loaded: boolean,
  ) {
    this.promptCount = history.length;
    this.mcp = new McpLink(mcpServers[0], cwd);
  }

  nextToolCallId(): string {
    return `${this.id}-call-${++this.toolCalls}`;
  }

  record(entry: Omit<HistoryEntry, "at">): void {
    this.history.push({ ...entry, at: new Date().toISOString() });
    saveSession(this);
  }

  cancel(): void {
    for (const turn of this.turns) turn.abort();
  }
}
