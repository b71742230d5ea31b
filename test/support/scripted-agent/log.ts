import { appendFileSync } from "node:fs";

const logFile = process.env.SCRIPTED_AGENT_LOG;

/** Appends one JSON line per received request/notification to $SCRIPTED_AGENT_LOG, if set. */
export function logReceived(method: string, params: unknown): void {
  if (!logFile) return;
  const sessionId =
    typeof params === "object" && params !== null && "sessionId" in params ? params.sessionId : undefined;
  appendFileSync(logFile, JSON.stringify({ t: Date.now(), pid: process.pid, method, sessionId, params }) + "\n");
}
