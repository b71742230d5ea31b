import path from "node:path";
import type { Command } from "commander";
import { progress } from "../output.ts";
import { stopRequested } from "../stack/stopSignal.ts";
import { holdYoungGeneration, releaseYoungGeneration } from "../youngGeneration.ts";

export function registerAppservice(program: Command): void {
  program
    .command("appservice")
    .description("run only the appservice, against a homeserver that is already running")
    .requiredOption("-c, --config <file>", "the appservice config file (aachat.yaml)")
    .action(async (options: { config: string }) => {
      // Until the appservice has started: see youngGeneration.ts.
      holdYoungGeneration();
      const { createLogger, loadConfigFile, loadRegistration, start } = await import("@aachat/appservice");
      const config = await loadConfigFile(path.resolve(options.config));
      const registration = await loadRegistration(config.appservice.registrationFile);
      const log = createLogger({
        name: "aachat-appservice",
        level: config.logging.level,
        format: config.logging.format,
      });
      const appservice = await start({ config, registration, log }).finally(releaseYoungGeneration);
      const signal = await stopRequested();
      progress(`Stopping (${signal})…`);
      await appservice.close();
    });
}
