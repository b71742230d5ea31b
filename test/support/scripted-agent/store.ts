import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContentBlock, McpServer, StopReason } from "@agentclientprotocol/sdk";

/** One finished turn as kept in the session file. */
export interface HistoryEntry {
  prompt: ContentBlock[];
  /** The reply text actually sent (partial when cancelled, empty on failure). */
  reply: string;
  stopReason: StopReason | "error";
  at: string;
}

/** What `<cwd>/.scripted-agent/sessions/<id>.json` holds. */
export interface StoredSession {
  id: string;
  cwd: string;
  mcpServers: McpServer[];
  history: HistoryEntry[];
}

const SAFE_ID = /^[A-Za-z0-9_-]+$/;

export function sessionFile(cwd: string, id: string): string {
  return join(cwd, ".scripted-agent", "sessions", `${id}.json`);
}

export function saveSession(s: StoredSession): void {
  const file = sessionFile(s.cwd, s.id);
  mkdirSync(join(file, ".."), { recursive: true });
  const stored: StoredSession = { id: s.id, cwd: s.cwd, mcpServers: s.mcpServers, history: s.history };
  writeFileSync(file, JSON.stringify(stored, null, 2) + "\n");
}

/** The stored session, or undefined when there is no (readable) file for it. */
export function readSession(cwd: string, id: string): StoredSession | undefined {
  if (!SAFE_ID.test(id)) return undefined;
  try {
    return JSON.parse(readFileSync(sessionFile(cwd, id), "utf8")) as StoredSession;
  } catch {
    return undefined;
  }
}
