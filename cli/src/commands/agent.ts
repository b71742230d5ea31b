import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { printResult, progress } from "../output.ts";
import { agentsDir } from "../stack/agentsDir.ts";
import { renderAgent, renderAgentList, renderRuntimeToken, renderSignalList } from "../format/agents.ts";
import { deleteRuntimeState, saveRuntimeToken, stopLocalRuntime } from "../runtime/localRuntime.ts";
import { UsageError } from "../errors.ts";
import { renderUsage } from "../format/usage.ts";
import { registerAgentRepoCommands } from "./agentRepo.ts";
import { registerAgentRuntimeCommands } from "./agentRuntime.ts";
import { addJsonOption, checkAgentName, checkText, confirmByTyping, loggedIn, type JsonOption } from "./apiCommand.ts";
import { joinAgentDm } from "./landInside.ts";

const DISPLAY_NAME_MAX = 100;
const REPO_URL_MAX = 2000;

interface RegisterOptions extends JsonOption {
  displayName?: string;
  repo?: string;
}

export function registerAgent(program: Command): void {
  const agent = program.command("agent").description("your agents: their Matrix users, tokens and signals");

  addJsonOption(
    agent
      .command("register")
      .description("register an agent you own: makes its Matrix user, its DM with you and its runtime token")
      .argument("<name>", "lowercase letters, digits and '-', starting with a letter")
      .option("--display-name <name>", "how it appears in chat (default: the name)")
      .option("--repo <url>", "its git repository"),
  ).action(async (nameArg: string, options: RegisterOptions) => {
    const name = checkAgentName("NAME", nameArg);
    const displayName =
      options.displayName === undefined
        ? undefined
        : checkText("--display-name", options.displayName, DISPLAY_NAME_MAX);
    const repoUrl = options.repo === undefined ? undefined : checkText("--repo", options.repo, REPO_URL_MAX);
    const { api, credentials } = await loggedIn();
    const created = await api.createAgent({
      name,
      ...(displayName === undefined ? {} : { displayName }),
      ...(repoUrl === undefined ? {} : { repoUrl }),
    });
    const kept = await saveRuntimeToken(created.agent.name, created.runtimeToken);
    await joinAgentDm(credentials, created.agent);
    if (options.json) progress(`The runtime token is shown only now: keep it secret.`);
    printResult(options.json === true, created, () =>
      [
        `Registered agent ${created.agent.name} as ${created.agent.userId} (DM room ${created.agent.dmRoomId}).`,
        "",
        renderRuntimeToken(created.agent.name, created.runtimeToken, kept),
      ].join("\n"),
    );
  });

  registerAgentRepoCommands(agent);
  registerAgentRuntimeCommands(agent);

  addJsonOption(agent.command("list").description("the agents you own")).action(async (options: JsonOption) => {
    const { api } = await loggedIn();
    const agents = await api.listAgents();
    printResult(options.json === true, agents, () => renderAgentList(agents));
  });

  addJsonOption(agent.command("show").description("one of your agents").argument("<name>", "the agent")).action(
    async (nameArg: string, options: JsonOption) => {
      const name = checkAgentName("NAME", nameArg);
      const { api } = await loggedIn();
      const found = await api.getAgent(name);
      printResult(options.json === true, found, () => renderAgent(found));
    },
  );

  addJsonOption(
    agent
      .command("delete")
      .description("delete an agent: its Matrix user leaves every room and its token stops working")
      .argument("<name>", "the agent")
      .option("-y, --yes", "do not ask to type the name"),
  ).action(async (nameArg: string, options: JsonOption & { yes?: boolean }) => {
    const name = checkAgentName("NAME", nameArg);
    const { api } = await loggedIn();
    await confirmByTyping({
      yes: options.yes,
      name,
      what: `the agent ${name}`,
      refusal: "pass --yes to delete an agent non-interactively",
    });
    await api.deleteAgent(name);
    await stopLocalRuntime(name).catch(() => false);
    await deleteRuntimeState(name);
    if (!options.json) {
      const repository = path.join(agentsDir(), name);
      const kept = existsSync(repository) ? ` Its repository stays in ${repository}.` : "";
      process.stdout.write(
        `Deleted agent ${name}: it left every room, its token and its Matrix user are gone.${kept}\n`,
      );
    }
  });

  const token = agent.command("token").description("an agent's runtime token");
  addJsonOption(
    token
      .command("rotate")
      .description("make a new runtime token; the old one stops working")
      .argument("<name>", "the agent"),
  ).action(async (nameArg: string, options: JsonOption) => {
    const name = checkAgentName("NAME", nameArg);
    const { api } = await loggedIn();
    const rotated = await api.rotateAgentToken(name);
    const kept = await saveRuntimeToken(name, rotated.runtimeToken);
    if (options.json) progress(`The runtime token is shown only now: keep it secret.`);
    printResult(options.json === true, rotated, () => renderRuntimeToken(name, rotated.runtimeToken, kept));
  });
  addJsonOption(
    token
      .command("revoke")
      .description("revoke the runtime token: the agent's runtime can no longer connect")
      .argument("<name>", "the agent"),
  ).action(async (nameArg: string, options: JsonOption) => {
    const name = checkAgentName("NAME", nameArg);
    const { api } = await loggedIn();
    await api.revokeAgentToken(name);
    const { rm } = await import("node:fs/promises");
    const { runtimePaths } = await import("@aachat/runtime/local");
    await rm(runtimePaths(name).token, { force: true });
    if (!options.json) {
      process.stdout.write(
        `Revoked ${name}'s runtime token. Make a new one with \`aachat agent token rotate ${name}\`.\n`,
      );
    }
  });

  addJsonOption(
    agent
      .command("signals")
      .description("the mentions and DMs waiting for an agent's runtime")
      .argument("<name>", "the agent")
      .option("--all", "also the signals the runtime has already processed"),
  ).action(async (nameArg: string, options: JsonOption & { all?: boolean }) => {
    const name = checkAgentName("NAME", nameArg);
    const { api } = await loggedIn();
    const pending = options.all !== true;
    const signals = await api.listSignals(name, { pending });
    printResult(options.json === true, signals, () => renderSignalList(signals, name, pending));
  });

  addJsonOption(
    agent
      .command("budget")
      .description("what an agent has cost, and its daily cost limit: show it, set it (USD) or --clear it")
      .argument("<name>", "the agent")
      .argument("[usd]", "the daily limit in US dollars, e.g. 5 or 2.50")
      .option("--clear", "drop your limit: the one in the agent's environment.yaml applies again"),
  ).action(async (nameArg: string, usdArg: string | undefined, options: JsonOption & { clear?: boolean }) => {
    const name = checkAgentName("NAME", nameArg);
    if (usdArg !== undefined && options.clear) throw new UsageError("give a limit or --clear, not both");
    const limit = usdArg === undefined ? undefined : parseDollars(usdArg);
    const { api } = await loggedIn();
    const usage =
      limit !== undefined || options.clear ? await api.setAgentBudget(name, limit ?? null) : await api.agentUsage(name);
    printResult(options.json === true, usage, () => renderUsage(name, usage));
  });
}

/** A daily limit as typed: `5`, `2.50`, `$3`. */
function parseDollars(text: string): number {
  const match = /^\$?(\d{1,7}(\.\d{1,2})?)$/.exec(text.trim());
  if (!match) throw new UsageError(`the limit must be an amount of US dollars such as 5 or 2.50, not '${text}'`);
  return Number(match[1]);
}
