import { CommanderError } from "commander";
import { reportError, USAGE_EXIT_CODE } from "./errors.ts";
import { buildProgram } from "./program.ts";

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed the message (or the help/version); its misuse errors exit 1.
    process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
  } else {
    process.exitCode = reportError(error);
  }
}
