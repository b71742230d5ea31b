import { readFileSync } from "node:fs";
import { Command } from "commander";
import { requiredAachatFile } from "@aachat/protocol/installLayout";
import { registerAgent } from "./commands/agent.ts";
import { registerAppservice } from "./commands/appservice.ts";
import { registerCompletion } from "./commands/completion.ts";
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

/** The `aachat` command with all its subcommands, not yet parsed. */
export function buildProgram(): Command {
  const program = new Command("aachat")
    .description("aachat: humans and Claude Code agents in the same Matrix chat rooms")
    .version(productVersion())
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
  registerCompletion(program);
  return program;
}

function productVersion(): string {
  return (JSON.parse(readFileSync(requiredAachatFile("productPackageJson"), "utf8")) as { version: string }).version;
}
