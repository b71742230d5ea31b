import { ApiError, ApiResponseError, ServerUnreachableError } from "@aachat/api";

/** A mistake or condition the user can fix: printed as one clear message, no stack trace. */
export class UserError extends Error {
  override readonly name = "UserError";
}

/**
 * Errors of the other packages that a user can act on, by their class name: matching by
 * name keeps this module from loading Synapse and the appservice for every command.
 */
const USER_ERROR_NAMES = new Set([
  "ConfigError",
  "HomeserverPingError",
  "MigrationError",
  "PortInUseError",
  "PythonMissingError",
  "PythonTooOldError",
  "SynapseInstallError",
  "SynapseStartError",
  "SynapseConfigError",
  "HomeserverNotReadyError",
  "AgentRepoError",
  "CloneError",
  "GitCommandError",
  "MemoryPublishError",
  "CopyRefusedError",
]);

export function isUserError(error: unknown): error is Error {
  if (
    error instanceof UserError ||
    error instanceof ApiError ||
    error instanceof ApiResponseError ||
    error instanceof ServerUnreachableError
  ) {
    return true;
  }
  return error instanceof Error && USER_ERROR_NAMES.has(error.name);
}

/** Prints an error the way a user should see it and returns the exit code. */
export function reportError(error: unknown): number {
  if (isUserError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`aachat failed unexpectedly; this is a bug, please report it with the output below.\n`);
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  return 1;
}
