import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import type PinoPretty from "pino-pretty";

const requireCjs = createRequire(import.meta.url);

export type LogFormat = "auto" | "json" | "pretty";

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** Name of the process part, e.g. "appservice" or "cli". */
  name: string;
  /** Where logs go; defaults to stderr so stdout stays free for command output. */
  destination?: number;
}

/** JSON when not on a terminal (or when asked), readable lines on a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.destination ?? 2;
  const pretty = options.format === "pretty" || (options.format === "auto" && isTerminal(fd));
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (!pretty) return pino(base, pino.destination({ fd, sync: false }));
  // In this thread, not as a pino transport: a transport is a worker thread with a V8 of its
  // own (12 MiB more). Loaded only here, so JSON logging never loads it.
  const pinoPretty = requireCjs("pino-pretty") as typeof PinoPretty;
  return pino(
    base,
    pinoPretty({
      destination: fd,
      sync: true,
      colorize: isTerminal(fd),
      ignore: "pid,hostname",
      translateTime: "HH:MM:ss.l",
    }),
  );
}

function isTerminal(fd: number): boolean {
  if (fd === 1) return process.stdout.isTTY === true;
  if (fd === 2) return process.stderr.isTTY === true;
  return false;
}

/** Secrets that must never reach a log line even if an object carrying them is logged. */
const REDACTED_PATHS = [
  "*.as_token",
  "*.hs_token",
  "*.asToken",
  "*.hsToken",
  "*.accessToken",
  "*.access_token",
  "*.password",
  "*.token",
  "*.authorization",
  "req.headers.authorization",
  "registrationSharedSecret",
];
