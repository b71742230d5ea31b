import type { AgentEnvironment } from "./environmentSchema.ts";

export interface SessionEnvironment {
  vars: Record<string, string>;
  /** One entry per unresolved reference, naming both variables: `GITHUB_TOKEN (owner variable X is not set)`. */
  missingSecrets: string[];
}

/**
 * The variables for a session: literal values as written, references taken from the
 * owner's environment. Missing references are listed, never guessed.
 */
export function prepareSessionEnvironment(
  env: AgentEnvironment,
  ownerEnv: Readonly<Record<string, string | undefined>>,
): SessionEnvironment {
  const vars: Record<string, string> = {};
  const missingSecrets: string[] = [];
  for (const [variable, value] of Object.entries(env.env ?? {})) {
    if (typeof value === "string") {
      vars[variable] = value;
      continue;
    }
    const resolved = ownerEnv[value.fromOwnerEnv];
    if (resolved === undefined || resolved === "") {
      missingSecrets.push(`${variable} (owner variable ${value.fromOwnerEnv} is not set)`);
    } else vars[variable] = resolved;
  }
  return { vars, missingSecrets };
}
