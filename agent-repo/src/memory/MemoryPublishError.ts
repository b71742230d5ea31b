import { AgentRepoError } from "../AgentRepoError.ts";

/** Publishing memory failed before main could be updated; the session's commits are safe on its branch. */
export class MemoryPublishError extends AgentRepoError {
  override readonly name: string = "MemoryPublishError";
}
