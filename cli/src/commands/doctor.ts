import type { Command } from "commander";
import { printResult } from "../output.ts";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check Node, Python, the Synapse install, the ports, the config and the homeserver connection")
    .option(
      "--data-dir <dir>",
      "the data directory to check (default: $AACHAT_DATA_DIR, else data/ in a checkout, else ~/.local/share/aachat)",
    )
    .option("-c, --config <file>", "check this appservice config instead of the data directory's")
    .option("--json", "print the checks as JSON")
    .action(async (options: { dataDir?: string; config?: string; json?: boolean }) => {
      const { runChecks, render } = await import("../doctor/checks.ts");
      const checks = await runChecks(options);
      printResult(options.json === true, { ok: !checks.some((c) => c.status === "fail"), checks }, () =>
        render(checks),
      );
      if (checks.some((check) => check.status === "fail")) process.exitCode = 1;
    });
}
