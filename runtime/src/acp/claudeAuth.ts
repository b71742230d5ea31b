import { readFileSync } from "node:fs";
import path from "node:path";

/** Whether Claude Code, run by the runtime, will find credentials; decided without running it. */
export type ClaudeAuth =
  | { status: "found"; source: string }
  | { status: "missing"; advice: string }
  | { status: "not-checked"; reason: string };

/** What to run to give Claude Code credentials, in the order most people want them. */
export const CLAUDE_SIGN_IN_ADVICE =
  "run `claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN=<the token it prints>, " +
  "or run `claude` and sign in with /login, or export ANTHROPIC_API_KEY=<your API key>";

const TOKEN_VARIABLES = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"] as const;
const CLOUD_PROVIDERS = [
  ["CLAUDE_CODE_USE_BEDROCK", "Amazon Bedrock"],
  ["CLAUDE_CODE_USE_VERTEX", "Google Vertex AI"],
  ["CLAUDE_CODE_USE_FOUNDRY", "Microsoft Foundry"],
] as const;

/**
 * Whether Claude Code would find credentials with this environment and home directory:
 * a key or token in the environment, a cloud provider chosen there, a Claude login
 * (`.credentials.json` in its config dir; on macOS the login is in the Keychain, which
 * `.claude.json`'s account record stands for), or an `apiKeyHelper` in its settings.
 * Only files are read, never the network: a credential found may still be expired or
 * revoked. A custom ACP agent (`agentCommand`) is not Claude Code's and is not checked.
 */
export function claudeAuth(input: {
  agentCommand: readonly string[] | undefined;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  platform?: NodeJS.Platform;
}): ClaudeAuth {
  const { env, home } = input;
  if (input.agentCommand && input.agentCommand.length > 0)
    return { status: "not-checked", reason: "custom agent command" };
  for (const [variable, provider] of CLOUD_PROVIDERS) {
    if (isTruthy(env[variable])) return { status: "found", source: `${provider} (${variable})` };
  }
  for (const variable of TOKEN_VARIABLES) {
    if (env[variable]?.trim()) return { status: "found", source: `${variable} in the environment` };
  }
  const configDir = env.CLAUDE_CONFIG_DIR?.trim() || path.join(home, ".claude");
  const credentialsFile = path.join(configDir, ".credentials.json");
  const oauth = record(record(readJson(credentialsFile))?.claudeAiOauth);
  if (nonEmpty(oauth?.accessToken) || nonEmpty(oauth?.refreshToken))
    return { status: "found", source: `a Claude login in ${credentialsFile}` };
  const settingsFile = path.join(configDir, "settings.json");
  if (nonEmpty(record(readJson(settingsFile))?.apiKeyHelper))
    return { status: "found", source: `apiKeyHelper in ${settingsFile}` };
  if ((input.platform ?? process.platform) === "darwin") {
    const stateFile = env.CLAUDE_CONFIG_DIR?.trim()
      ? path.join(configDir, ".claude.json")
      : path.join(home, ".claude.json");
    if (record(record(readJson(stateFile))?.oauthAccount))
      return { status: "found", source: "a Claude login (macOS Keychain)" };
  }
  return {
    status: "missing",
    advice: `Claude Code has no credentials for ${home} (no ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN in the environment, no login in ${credentialsFile}): ${CLAUDE_SIGN_IN_ADVICE}`,
  };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function nonEmpty(value: unknown): boolean {
  return typeof value === "string" && value.trim().length > 0;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The file's JSON, or undefined when it is missing, unreadable or not JSON. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}
