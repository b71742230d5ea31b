import {
  createWorkspace,
  describeMissing,
  findMissingPackages,
  formatProblems,
  prepareSessionEnvironment,
  validateAgentRepo,
} from "@aachat/agent-repo";

export interface PreparedWorkspace {
  dir: string;
  /** The session's variables from environment.yaml, secrets resolved from the owner's environment. */
  vars: Record<string, string>;
  /** What environment.yaml asks for that this machine lacks, for the owner's DM; undefined when nothing. */
  missing: string | undefined;
  /** The daily cost limit environment.yaml sets (`budget.dailyUsd`), or null. */
  dailyBudgetUsd: number | null;
}

/** A session refused to start; the message says why and what to do. */
export class SessionStartError extends Error {
  override readonly name = "SessionStartError";
}

/**
 * The session's own worktree of the agent repository, checked like `aachat agent validate`
 * does: a repository with problems does not start a session.
 */
export async function prepareWorkspace(
  repoDir: string,
  sessionId: string,
  agentName: string,
  ownerEnv: Readonly<Record<string, string | undefined>>,
): Promise<PreparedWorkspace> {
  const { dir } = await createWorkspace(repoDir, sessionId);
  const validation = await validateAgentRepo(dir);
  if (!validation.ok || !validation.environment) {
    throw new SessionStartError(
      `the agent repository has problems; fix them and commit (see \`aachat agent validate\`):\n${formatProblems(validation.problems)}`,
    );
  }
  const { vars, missingSecrets } = prepareSessionEnvironment(validation.environment, ownerEnv);
  const packages = await findMissingPackages(validation.environment);
  return {
    dir,
    vars,
    missing: describeMissing(agentName, { packages, missingSecrets }),
    dailyBudgetUsd: validation.environment.budget?.dailyUsd ?? null,
  };
}
