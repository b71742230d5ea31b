import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface AgentCommand {
  command: string;
  args: string[];
  /** A short name for humans: `claude-agent-acp`, or the configured program's name. */
  label: string;
}

const require = createRequire(import.meta.url);

/**
 * The ACP agent a session runs: the configured command, or by default the
 * `claude-agent-acp` installed with aachat, run with this Node.
 */
export function agentCommand(configured: readonly string[] | undefined): AgentCommand {
  if (configured && configured.length > 0) {
    const [command, ...args] = configured as [string, ...string[]];
    const script = args.findLast((arg) => !arg.startsWith("-") && /\.(m?[jt]s)$/.test(arg));
    return { command, args, label: programName(script ?? command) };
  }
  const packageJson = require.resolve("@agentclientprotocol/claude-agent-acp/package.json");
  const { bin } = JSON.parse(readFileSync(packageJson, "utf8")) as { bin: Record<string, string> };
  const entry = path.join(path.dirname(packageJson), bin["claude-agent-acp"] ?? "dist/index.js");
  return { command: process.execPath, args: [entry], label: "claude-agent-acp" };
}

/**
 * The agent process's environment: the owner's own (Claude Code finds its login there),
 * the session's variables from environment.yaml, and nothing that would make Claude Code
 * think it runs inside another Claude Code.
 */
export function agentEnvironment(
  ownerEnv: NodeJS.ProcessEnv,
  sessionVars: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ownerEnv, ...sessionVars };
  delete env.CLAUDECODE;
  delete env.CLAUDE_CODE_ENTRYPOINT;
  return env;
}

/** `…/scripted-agent/main.ts` → `scripted-agent`; `/usr/bin/gemini` → `gemini`. */
function programName(file: string): string {
  const base = path.basename(file).replace(/\.(m?[jt]s)$/, "");
  return base === "main" || base === "index" ? path.basename(path.dirname(file)) : base;
}
