import { stat } from "node:fs/promises";
import path from "node:path";
import { AgentRepoError } from "../AgentRepoError.ts";
import { checkClaudeMd } from "./checkClaudeMd.ts";
import { checkEnvironmentFile } from "./checkEnvironmentFile.ts";
import { checkGitRepository } from "./checkGitRepository.ts";
import { checkSettingsJson } from "./checkSettingsJson.ts";
import { checkSkills } from "./checkSkills.ts";
import { sortProblems } from "./Problem.ts";
import type { ValidationResult } from "./ValidationResult.ts";

/** Checks an agent repository and reports every problem at once, each with its file and line. */
export async function validateAgentRepo(dir: string): Promise<ValidationResult> {
  const repoDir = path.resolve(dir);
  await refuseMissingDirectory(repoDir);
  const [gitProblems, claudeMdProblems, environment, skillProblems, settingsProblems] = await Promise.all([
    checkGitRepository(repoDir),
    checkClaudeMd(repoDir),
    checkEnvironmentFile(repoDir),
    checkSkills(repoDir),
    checkSettingsJson(repoDir),
  ]);
  const problems = sortProblems([
    ...gitProblems,
    ...claudeMdProblems,
    ...environment.problems,
    ...skillProblems,
    ...settingsProblems,
  ]);
  return {
    ok: problems.length === 0,
    problems,
    identity: environment.identity,
    ...(environment.environment ? { environment: environment.environment } : {}),
  };
}

async function refuseMissingDirectory(repoDir: string): Promise<void> {
  const isDirectory = await stat(repoDir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new AgentRepoError(`cannot validate ${repoDir}: no such directory; give the path of the agent's repository`);
  }
}
