import { Option, type Command } from "commander";
import { printResult } from "../output.ts";
import { resolveDataDir, stackPaths } from "../stack/paths.ts";
import { addUser, checkUserName, type AddedUser } from "./userAdd.ts";

interface UserAddOptions {
  admin?: boolean;
  password?: string;
  passwordStdin?: boolean;
  dataDir?: string;
  json?: boolean;
}

export function registerUser(program: Command): void {
  const user = program.command("user").description("people on the embedded homeserver");
  user
    .command("add")
    .description("add a person to the embedded homeserver (shared-secret registration)")
    .argument("<name>", "the user name, e.g. alice (becomes @alice:SERVER_NAME)")
    .option("--admin", "make them a homeserver admin")
    .option("--password <password>", "their password (visible in `ps`; prefer the prompt or --password-stdin)")
    .addOption(new Option("--password-stdin", "read the password from stdin").conflicts("password"))
    .option(
      "--data-dir <dir>",
      "the running stack's data directory (default: $AACHAT_DATA_DIR, else data/ in a checkout, else ~/.local/share/aachat)",
    )
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nWithout --password or --password-stdin, a terminal asks for it (empty: one is made up);\n" +
        "without a terminal a password is made up. A made-up password is printed once and stored nowhere.\n" +
        "Needs a running `aachat up`; on your own homeserver use its admin tools.",
    )
    .action(async (name: string, options: UserAddOptions) => {
      const localpart = checkUserName(name);
      const added = await addUser({
        paths: stackPaths(resolveDataDir(options.dataDir)),
        localpart,
        admin: options.admin === true,
        password: { password: options.password, passwordStdin: options.passwordStdin },
      });
      printResult(options.json === true, added, () => describe(added, localpart));
    });
}

function describe(added: AddedUser, localpart: string): string {
  return [
    `Added ${added.userId}${added.admin ? " (homeserver admin)" : ""}.`,
    ...(added.generatedPassword === undefined
      ? []
      : [`Password: ${added.generatedPassword}   (shown once, stored nowhere: pass it on now)`]),
    `Sign in with Element or any Matrix client: homeserver ${added.homeserverUrl}, user ${localpart};`,
    `or with the CLI: aachat login -u ${localpart}`,
  ].join("\n");
}
