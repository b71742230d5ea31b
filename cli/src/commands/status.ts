import type { Command } from "commander";
import { renderStatus } from "../format/status.ts";
import { printResult } from "../output.ts";
import { addJsonOption, loggedIn, type JsonOption } from "./apiCommand.ts";

export function registerStatus(program: Command): void {
  addJsonOption(
    program.command("status").description("your teams (with your role, streams, projects) and your agents"),
  ).action(async (options: JsonOption) => {
    const { api } = await loggedIn();
    const status = await api.status();
    printResult(options.json === true, status, () => renderStatus(status));
  });
}
