// Imported first by main.ts: stdout carries ACP frames only, so any console output
// (ours or a library's) is rerouted to stderr before other modules load.
import { Console } from "node:console";

globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

/** Writes one diagnostic line to stderr. */
export function diag(message: string): void {
  process.stderr.write(`[scripted-agent] ${message}\n`);
}
