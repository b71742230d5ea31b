/** ACP's `auth_required` error code: the agent needs its user to sign in first. */
export const ACP_AUTH_REQUIRED = -32000;

/** The label `agentCommand` gives Claude Code's ACP agent. */
const CLAUDE_CODE_LABEL = "claude-agent-acp";

export interface FailureContext {
  /** The aachat agent, for the command that restarts its sessions. */
  agentName: string;
  /** The ACP agent's label (`claude-agent-acp`, or the configured program's name), when known. */
  agentLabel?: string;
  /** The machine the runtime runs on: the owner's. */
  host: string;
}

/**
 * What chat is told when the agent refused a prompt: for an authentication error, who must
 * sign in where and what to run; for anything else, the agent's own message.
 */
export function failureNotice(error: unknown, context: FailureContext): string {
  if (!isAuthRequired(error)) return `The agent could not answer: ${describe(error)}`;
  const restart = `\`aachat agent restart ${context.agentName}\``;
  if (context.agentLabel !== undefined && context.agentLabel !== CLAUDE_CODE_LABEL) {
    return `${context.agentLabel} is not signed in on ${context.host}: sign it in there, then ${restart}.`;
  }
  const { agentName: name, host } = context;
  return (
    `Claude Code is not signed in on ${host}: run \`claude\` there and sign in with /login, then ${restart}; ` +
    `or export CLAUDE_CODE_OAUTH_TOKEN (from \`claude setup-token\`) or ANTHROPIC_API_KEY and start the runtime ` +
    `again from that shell (\`aachat agent stop ${name}\`, then \`aachat agent start ${name} -p PROJECT\`).`
  );
}

/** The ACP `auth_required` error, by its code, or by its message once the code was lost on the way. */
export function isAuthRequired(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if ("code" in error && error.code === ACP_AUTH_REQUIRED) return true;
  return /^Authentication required\b/.test(describe(error));
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}
