import { ConfigError, HomeserverPingError, MigrationError, PortInUseError } from "@aachat/appservice";
import * as synapse from "@aachat/synapse";
import { ApiError, ApiResponseError, ServerUnreachableError } from "./api/client.ts";

/** A mistake or condition the user can fix: printed as one clear message, no stack trace. */
export class UserError extends Error {
  override readonly name = "UserError";
}

const USER_ERRORS: (abstract new (...args: never[]) => Error)[] = [
  UserError,
  ApiError,
  ApiResponseError,
  ServerUnreachableError,
  ConfigError,
  HomeserverPingError,
  MigrationError,
  PortInUseError,
  synapse.PortInUseError,
  synapse.PythonMissingError,
  synapse.PythonTooOldError,
  synapse.SynapseInstallError,
  synapse.SynapseStartError,
];

export function isUserError(error: unknown): error is Error {
  return USER_ERRORS.some((type) => error instanceof type);
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
