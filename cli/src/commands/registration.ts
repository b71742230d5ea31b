import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UsageError, UserError } from "../errors.ts";
import { printResult } from "../output.ts";

interface RegistrationOptions {
  url: string;
  serverName: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

export function registerRegistration(program: Command): void {
  program
    .command("registration")
    .description("write an appservice registration file for an existing homeserver")
    .requiredOption("--url <url>", "how the homeserver reaches the appservice, e.g. http://127.0.0.1:8090")
    .requiredOption("--server-name <name>", "the homeserver's server_name, e.g. example.org")
    .option("-o, --out <file>", "where to write it", "registration.yaml")
    .option("-f, --force", "replace an existing file (new tokens: the homeserver must load the new file)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nThen add the file to the homeserver's app_service_config_files, point the appservice's\n" +
        "config (appservice.registrationFile) at the same file, and restart the homeserver.",
    )
    .action(async (options: RegistrationOptions) => {
      if (!/^https?:\/\/[^/]+/.test(options.url)) {
        throw new UsageError(`--url '${options.url}' is not an http(s) URL`);
      }
      const file = path.resolve(options.out);
      if (existsSync(file) && !options.force) {
        throw new UserError(`${file} already exists; pass --force to replace it (its tokens will change)`);
      }
      const { generateRegistration, writeRegistration } = await import("@aachat/appservice");
      const registration = generateRegistration({
        url: options.url.replace(/\/+$/, ""),
        serverName: options.serverName,
      });
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
