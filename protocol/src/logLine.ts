const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "agent", "v"]);

/** A line of the runtime's JSON (pino) log as a human reads it: `12:01:02 INFO  message key=value`. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line; // not pino's: e.g. a crash's stack trace
  }
  if (typeof entry !== "object" || entry === null || typeof entry.msg !== "string") return line;
  const time = typeof entry.time === "number" ? new Date(entry.time).toISOString().slice(11, 19) : "--:--:--";
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [time, level, entry.msg, ...fields].join(" ").trimEnd();
}
