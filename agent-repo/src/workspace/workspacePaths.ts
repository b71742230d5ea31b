import path from "node:path";
import { AgentRepoError } from "../AgentRepoError.ts";

// Used in a branch name and a directory name, so it must be safe in both.
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const SESSION_BRANCH_PREFIX = "aachat/session/";

export interface WorkspaceLocation {
  dir: string;
  branch: string;
}

/**
 * Where a session's worktree lives: beside the agent repository, never inside it, so the
 * agent's own files and `git status` never see other sessions' checkouts.
 */
export function workspaceLocation(repoDir: string, sessionId: string): WorkspaceLocation {
  if (!SESSION_ID.test(sessionId)) {
    throw new AgentRepoError(
      `invalid session id '${sessionId}': use up to 128 letters, digits, '-' and '_', starting with a letter or digit`,
    );
  }
  const repo = path.resolve(repoDir);
  return {
    dir: path.join(path.dirname(repo), ".aachat-workspaces", path.basename(repo), sessionId),
    branch: `${SESSION_BRANCH_PREFIX}${sessionId}`,
  };
}
