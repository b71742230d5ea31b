import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** What `<state>/sessions/<id>.json` holds. */
export interface StoredSession {
  id: string;
  cwd: string;
  mcpServers: McpServer[];
  history: HistoryEntry[];
}

const SAFE_ID = /^[A-Za-z0-9_-]+$/;

/**
 * Sessions are kept outside the session's cwd (an agent repository's worktree, whose
 * changes the runtime commits as memory): in `$SCRIPTED_AGENT_STATE`, or a folder in the
 * system's temporary directory. Ids are random, so runs never collide.
 */
function stateDir(): string {
  return process.env.SCRIPTED_AGENT_STATE ?? join(tmpdir(), "aachat-scripted-agent");
}

export function sessionFile(id: string): string {
  return join(stateDir(), "sessions", `${id}.json`);
}

export function saveSession(s: StoredSession): void {
  const file = sessionFile(s.id);
  mkdirSync(join(file, ".."), { recursive: true });
  const stored: StoredSession = { id: s.id, cwd: s.cwd, mcpServers: s.mcpServers, history: s.history };
  writeFileSync(file, JSON.stringify(stored, null, 2) + "\n");
}

/** The stored session, or undefined when there is no (readable) file for it. */
export function readSession(id: string): StoredSession | undefined {
  if (!SAFE_ID.test(id)) return undefined;
  try {
    return JSON.parse(readFileSync(sessionFile(id), "utf8")) as StoredSession;
  } catch {
    return undefined;
  }
}
