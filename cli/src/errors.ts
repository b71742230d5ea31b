import { ApiError, ApiResponseError, ServerUnreachableError } from "@aachat/api";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

/** A mistake or condition the user can fix: printed as one clear message, no stack trace. */
export class UserError extends UserFacingError {
  override readonly name: string = "UserError";
}

/** A command used wrongly (a bad argument or option): exits 2, as the shell's own usage errors do. */
export class UsageError extends UserError {
  override readonly name = "UsageError";
}

/** The exit code of a usage error, from commander or from our own checks of arguments. */
export const USAGE_EXIT_CODE = 2;

/** Every package's errors a user can act on extend UserFacingError; the API client's are the user's too. */
export function isUserError(error: unknown): error is Error {
  return (
    error instanceof UserFacingError ||
    error instanceof ApiError ||
    error instanceof ApiResponseError ||
    error instanceof ServerUnreachableError
  );
}

/** Prints an error the way a user should see it and returns the exit code. */
export function reportError(error: unknown): number {
  if (isUserError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error instanceof UsageError) return USAGE_EXIT_CODE;
  } else {
    process.stderr.write(`aachat failed unexpectedly; this is a bug, please report it with the output below.\n`);
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  return 1;
}
