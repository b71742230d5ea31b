import pino, { type Logger } from "pino";

/** The bench's own log lines go to stderr (stdout is the report). AACHAT_BENCH_LOG sets the level. */
export function createBenchLogger(): Logger {
  return pino({ name: "aachat-bench", level: process.env.AACHAT_BENCH_LOG ?? "info" }, pino.destination(2));
}

/**
 * matrix-js-sdk's internal loggers (e.g. MatrixRTCSession's) write debug lines straight to
 * console.log/debug, which is stdout: drop those so stdout holds only the report.
 * console.warn and console.error still reach stderr.
 */
export function quietConsole(): void {
  const drop = () => undefined;
  Object.assign(globalThis.console, { log: drop, info: drop, debug: drop, trace: drop });
}
