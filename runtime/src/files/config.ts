import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { RuntimePaths } from "./paths.ts";

/** runtime.json: written by `aachat agent start`, read by the runtime at start. Unknown keys are errors. */
export const runtimeConfigSchema = z.strictObject({
  agent: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, "is not an agent name"),
  /** The appservice, as http(s)://host:port: the runtime connects to its /runtime/v1/socket. */
  serverUrl: z.string().regex(/^(https?|wss?):\/\/[^\s]+$/, "must be an http(s):// or ws(s):// URL"),
  /** The agent's git repository; each session works in a worktree of it. */
  repoDir: z.string().min(1),
  /**
   * The ACP agent to run for each session, as a command and its arguments. Default: the
   * `claude-agent-acp` installed with aachat (Claude Code, with the owner's own login).
   */
  agentCommand: z.array(z.string().min(1)).min(1).optional(),
  /** How long a permission request waits for an answer in chat before it counts as rejected. */
  permissionTimeoutMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
  /** The least time between two edits of a streamed answer. */
  editIntervalMs: z.number().int().min(50).max(60_000).default(800),
});

export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;

/** A user mistake in the runtime's files, said in one line that names the file. */
export class RuntimeConfigError extends Error {
  override readonly name = "RuntimeConfigError";
}

export async function readRuntimeConfig(paths: RuntimePaths): Promise<{ config: RuntimeConfig; token: string }> {
  let text: string;
  try {
    text = await readFile(paths.config, "utf8");
  } catch {
    throw new RuntimeConfigError(
      `${paths.config} is missing; start the runtime with \`aachat agent start NAME -p PROJECT\``,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RuntimeConfigError(`${paths.config} is not valid JSON`);
  }
  const parsed = runtimeConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : issue?.path.join(".");
    throw new RuntimeConfigError(
      `${paths.config}: ${key ?? "file"}: ${issue?.code === "unrecognized_keys" ? "unknown key" : issue?.message}`,
    );
  }
  let token: string;
  try {
    token = (await readFile(paths.token, "utf8")).trim();
  } catch {
    throw new RuntimeConfigError(
      `no runtime token in ${paths.token}; run \`aachat agent token rotate ${parsed.data.agent}\` on this machine to make one`,
    );
  }
  if (!token)
    throw new RuntimeConfigError(`${paths.token} is empty; run \`aachat agent token rotate ${parsed.data.agent}\``);
  return { config: parsed.data, token };
}
