import { Command, CommanderError } from "commander";
import { registerAgent } from "./commands/agent.ts";
import { registerAppservice } from "./commands/appservice.ts";
import { registerDb } from "./commands/db.ts";
import { registerDoctor } from "./commands/doctor.ts";
import { registerLogin } from "./commands/login.ts";
import { registerLogout } from "./commands/logout.ts";
import { registerProject } from "./commands/project.ts";
import { registerRegistration } from "./commands/registration.ts";
import { registerStatus } from "./commands/status.ts";
import { registerStream } from "./commands/stream.ts";
import { registerTeam } from "./commands/team.ts";
import { registerUp } from "./commands/up.ts";
import { registerUser } from "./commands/user.ts";
import { registerWhoami } from "./commands/whoami.ts";
import { reportError, USAGE_EXIT_CODE } from "./errors.ts";

const program = new Command("aachat")
  .description("aachat: humans and Claude Code agents in the same Matrix chat rooms")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

registerUp(program);
registerAppservice(program);
registerDb(program);
registerRegistration(program);
registerDoctor(program);
registerLogin(program);
registerLogout(program);
registerWhoami(program);
registerStatus(program);
registerTeam(program);
registerStream(program);
registerProject(program);
registerAgent(program);
registerUser(program);

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
