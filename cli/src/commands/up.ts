import type { Command } from "commander";
import type { UpOptions } from "../stack/runStack.ts";
import { holdYoungGeneration } from "../youngGeneration.ts";
import { parsePort } from "./options.ts";

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start the whole embedded stack: Synapse and the appservice (what `npm start` runs)")
    .option(
      "--data-dir <dir>",
      "where all state lives (default: $AACHAT_DATA_DIR, else data/ in a checkout, else ~/.local/share/aachat)",
    )
    .option(
      "--server-name <name>",
      "homeserver name for a new data directory (default: localhost, or $AACHAT_SERVER_NAME)",
    )
    .option(
      "--port <port>",
      "appservice port: transactions, HTTP API, console, runtime WebSocket (default: 8090, or $AACHAT_PORT)",
      parsePort,
    )
    .option("--synapse-port <port>", "Synapse client port (default: 8008, or $AACHAT_SYNAPSE_PORT)", parsePort)
    .addHelpText(
      "after",
      "\nThe first run installs Synapse into a virtualenv (a few minutes), creates the config,\n" +
        "the registration and an admin user. Later runs reuse them. Ctrl-C stops everything.\n" +
        "One `aachat up` at a time per data directory; a start after a killed one stops what it left running.",
    )
    .action(async (options: UpOptions) => {
      // Until the appservice has started (runStack releases it): see youngGeneration.ts.
      holdYoungGeneration();
      // Loaded on use: the stack pulls in Synapse and the appservice, which other commands don't need.
      const { up } = await import("../stack/runStack.ts");
      process.exitCode = await up(options);
    });
}
