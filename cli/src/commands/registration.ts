import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { UsageError, UserError } from "../errors.ts";
import { printResult } from "../output.ts";
import { resolveDataDir } from "../stack/paths.ts";

interface RegistrationOptions {
  url: string;
  serverName: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

export function registerRegistration(program: Command): void {
  program
    .command("registration")
    .description("fill the registration template for an existing homeserver (fresh tokens, mode 0600)")
    .requiredOption("--url <url>", "how the homeserver reaches the appservice, e.g. http://127.0.0.1:8090")
    .requiredOption("--server-name <name>", "the homeserver's server_name, e.g. example.org")
    .option("-o, --out <file>", "where to write it (default: registration.yaml in the data directory)")
    .option("-f, --force", "replace an existing registration (new tokens: the homeserver must load the new file)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nThe repository's registration.yaml is the documented template; this fills it (a copy of it\n" +
        "still holding CHANGE_ME placeholders is filled in place). Then add the file to the homeserver's\n" +
        "app_service_config_files, point the appservice's config (appservice.registrationFile) at the\n" +
        "same file, and restart the homeserver.",
    )
    .action(async (options: RegistrationOptions) => {
      if (!/^https?:\/\/[^/]+/.test(options.url)) {
        throw new UsageError(`--url '${options.url}' is not an http(s) URL`);
      }
      const { generateRegistration, placeholdersIn, REGISTRATION_TEMPLATE_FILE, writeRegistration } =
        await import("@aachat/appservice");
      const file = path.resolve(options.out ?? path.join(resolveDataDir(undefined), "registration.yaml"));
      if (file === REGISTRATION_TEMPLATE_FILE) {
        throw new UserError(
          `${file} is the template in the repository and must keep its placeholders: ` +
            "write the registration into the data directory (-o DATA_DIR/registration.yaml)",
        );
      }
      if (existsSync(file) && !options.force && placeholdersIn(await readYaml(file)).length === 0) {
        throw new UserError(`${file} already exists; pass --force to replace it (its tokens will change)`);
      }
      const registration = generateRegistration({
        url: options.url.replace(/\/+$/, ""),
        serverName: options.serverName,
      });
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeRegistration(file, registration);
      printResult(
        options.json === true,
        {
          file,
          id: registration.id,
          url: registration.url,
          senderLocalpart: registration.sender_localpart,
          namespaces: registration.namespaces,
        },
        () =>
          `Wrote ${file} (appservice '${registration.id}', bot @${registration.sender_localpart}:${options.serverName}).\n` +
          `Add it to the homeserver's app_service_config_files and restart the homeserver.`,
      );
    });
}

/** The file's YAML, or nothing when it is not YAML (then it holds no placeholders either). */
async function readYaml(file: string): Promise<unknown> {
  try {
    return parseYaml(await readFile(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}
