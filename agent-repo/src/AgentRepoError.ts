import { withoutCredentials } from "./git/withoutCredentials.ts";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

/**
 * A problem with an agent repository that its owner can act on; the message says what
 * failed and what to do next.
 */
export class AgentRepoError extends UserFacingError {
  override readonly name: string = "AgentRepoError";
}

/** A git command failed in a way the operation did not expect. */
export class GitCommandError extends AgentRepoError {
  override readonly name: string = "GitCommandError";

  constructor(
    readonly command: readonly string[],
    readonly cwd: string,
    readonly exitCode: number,
    /** Git's own one-line reason, e.g. "repository '/x' does not exist". */
    readonly reason: string,
  ) {
    super(withoutCredentials(`git ${command.join(" ")} failed in ${cwd}: ${reason}`));
  }
}
