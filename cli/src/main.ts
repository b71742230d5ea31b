import { Command, CommanderError } from "commander";
import { registerAppservice } from "./commands/appservice.ts";
import { registerDoctor } from "./commands/doctor.ts";
import { registerRegistration } from "./commands/registration.ts";
import { registerUp } from "./commands/up.ts";
import { reportError } from "./errors.ts";

const program = new Command("aachat")
  .description("aachat: humans and Claude Code agents in the same Matrix chat rooms")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerUp(program);
registerAppservice(program);
registerRegistration(program);
registerDoctor(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed the message (or the help/version).
    process.exitCode = error.exitCode;
  } else {
    process.exitCode = reportError(error);
  }
}
