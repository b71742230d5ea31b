import type { Command } from "commander";
import { printResult } from "../output.ts";
import { addJsonOption, loggedIn, type JsonOption } from "./apiCommand.ts";

export function registerWhoami(program: Command): void {
  addJsonOption(
    program.command("whoami").description("who you are logged in as, checked with the aachat server"),
  ).action(async (options: JsonOption) => {
    const { api, credentials } = await loggedIn();
    const me = await api.me();
    printResult(options.json === true, me, () =>
      [
        `${me.userId} (personal team ${me.personalTeam.slug})`,
        `  homeserver:    ${credentials.homeserverUrl}`,
        `  aachat server: ${credentials.serverUrl}`,
      ].join("\n"),
    );
  });
}
