import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { claudeAuth, runtimeConfigSchema, runtimePaths } from "@aachat/runtime/local";
import { localRuntimeNames } from "../runtime/localRuntime.ts";
import type { Check } from "./checks.ts";

/**
 * Whether Claude Code, as `aachat agent start` would run it from this shell, has credentials.
 * A warning, not a failure: the stack runs without it, only agents on Claude Code do not answer.
 * When every runtime set up here runs another ACP agent, Claude Code is not theirs to check.
 */
export async function checkClaudeCode(): Promise<Check> {
  const name = "claude code";
  const custom = await customAgentRuntimes();
  if (custom.length > 0 && custom.length === (await localRuntimeNames()).length) {
    return { name, status: "ok", detail: `not checked: custom agent command (${custom.join(", ")})` };
  }
  const auth = claudeAuth({ agentCommand: undefined, env: process.env, home: homedir() });
  if (auth.status === "found") return { name, status: "ok", detail: `credentials: ${auth.source}` };
  if (auth.status === "not-checked") return { name, status: "ok", detail: `not checked: ${auth.reason}` };
  return {
    name,
    status: "warn",
    detail: "not signed in: agents on Claude Code would answer every mention with an authentication error",
    fix: `${auth.advice}; then \`aachat agent start\` from that shell`,
  };
}

/** The agents set up on this machine whose runtime.json names its own ACP agent command. */
async function customAgentRuntimes(): Promise<string[]> {
  const names: string[] = [];
  for (const agent of await localRuntimeNames()) {
    const text = await readFile(runtimePaths(agent).config, "utf8").catch(() => "");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const config = runtimeConfigSchema.safeParse(json);
    if (config.success && config.data.agentCommand) names.push(agent);
  }
  return names;
}
