import { createInterface } from "node:readline/promises";
import password from "@inquirer/password";
import { UserError } from "./errors.ts";

/** Questions go to stderr, so a command's stdout stays only its result. */

export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

export async function ask(question: string): Promise<string> {
  const readline = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await readline.question(question);
  } finally {
    readline.close();
  }
}

/**
 * Reads a password from the terminal without echoing it. @inquirer/password does the line
 * editing, so arrow or Delete keys move and delete rather than slip escape codes into it.
 */
export async function askHidden(question: string): Promise<string> {
  try {
    return await password({ message: question.trimEnd() }, { output: process.stderr });
  } catch (error) {
    // Ctrl-C, or the terminal closed (Ctrl-D).
    if (error instanceof Error && error.name === "ExitPromptError") throw new UserError("cancelled");
    throw error;
  }
}

/** Everything piped to stdin, without its final line break (`--password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
