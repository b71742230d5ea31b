import { existsSync } from "node:fs";
import { watch } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { ApiError, projectSelector, sessionIdParam, type AgentUsageReport, type ApiClient } from "@aachat/api";
import { formatLogLine } from "@aachat/protocol";
import { Option, type Command } from "commander";
import { UsageError, UserError } from "../errors.ts";
import { renderRuntimeStatus, renderRuntimeTable, renderSession } from "../format/runtime.ts";
import { renderUsage } from "../format/usage.ts";
import { apiClientFor, readCredentials } from "../auth/credentials.ts";
import { printResult, progress } from "../output.ts";
import {
  hasRuntimeToken,
  launchRuntime,
  localRuntimeNames,
  localStatus,
  stopLocalRuntime,
  writeRuntimeConfig,
} from "../runtime/localRuntime.ts";
import { claudeAuth, type LastStop } from "@aachat/runtime/local";
import { agentsDir } from "../stack/agentsDir.ts";
import { addJsonOption, checkAgentName, checked, loggedIn, type JsonOption, type Session } from "./apiCommand.ts";

interface StartOptions extends JsonOption {
  project?: string[];
  acpCommand?: string;
  permissionTimeout?: string;
  repoDir?: string;
  all?: boolean;
  skipAuthCheck?: boolean;
}

interface TargetOptions extends JsonOption {
  session?: string;
  all?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `agent start|stop|restart|compact|logs|status`: each agent's runtime on this machine
 * and its sessions. Session controls go through the aachat server to the runtime (the
 * console uses the same road); the runtime itself is started and stopped here.
 */
export function registerAgentRuntimeCommands(agent: Command): void {
  addJsonOption(
    agent
      .command("start")
      .description("start the agent's runtime on this machine (if it is not running) and a session covering projects")
      .argument("[name]", "the agent")
      .option(
        "-p, --project <project>",
        "a project the session covers: PROJECT or TEAM/PROJECT (repeat for more)",
        collect,
      )
      .option(
        "--acp-command <command>",
        "the ACP agent to run, e.g. 'gemini --experimental-acp' (default: claude-agent-acp)",
      )
      .option(
        "--permission-timeout <seconds>",
        "how long a permission request waits for an answer in chat (default 300)",
      )
      .option("--repo-dir <dir>", "the agent's repository (default: $AACHAT_AGENTS_DIR/NAME)")
      .option("--skip-auth-check", "start even though Claude Code seems to have no credentials here")
      .option("--all", "start the runtime of every agent on this machine that had sessions, resuming them")
      .addHelpText(
        "after",
        "\nThe runtime runs in the background with its log in ~/.local/state/aachat/runtimes/NAME/runtime.log\n" +
          "(`aachat agent logs NAME`). Settings apply when the runtime starts: given to a running runtime with\n" +
          "no session, they restart it; with sessions, stop it first (`aachat agent stop NAME`).",
      ),
  ).action(async (nameArg: string | undefined, options: StartOptions) => {
    if (options.all) {
      if (nameArg !== undefined || options.project) throw new UsageError("--all takes no NAME or --project");
      const started = await resumeRuntimes();
      printResult(options.json === true, { started }, () =>
        started.length === 0
          ? "No runtime to start: none had sessions."
          : `Started the runtimes of ${started.join(", ")}.`,
      );
      return;
    }
    const name = requireName(nameArg);
    const projects = (options.project ?? []).map((project) => checked("--project", project, projectSelector));
    const session = await loggedIn();
    const agentView = await session.api.getAgent(name);
    let status = await localStatus(name);
    if (!status && projects.length > 0) await checkProjectsFirst(session, name, projects);
    if (!status) {
      await prepareRuntime(session, name, options);
      progress(`Starting the runtime of ${name}…`);
      status = await launchRuntime(name);
      progress(`The runtime of ${name} is running (pid ${status.pid}) and connected.`);
    } else if (options.acpCommand || options.permissionTimeout || options.repoDir) {
      if (status.sessions.length === 0) {
        // Nothing to lose (say its last session failed with a mistyped --acp-command): use the new settings now.
        await prepareRuntime(session, name, options);
        progress(`Restarting the runtime of ${name} with these settings (it has no session)…`);
        await stopLocalRuntime(name, { keepSessions: true });
        status = await launchRuntime(name);
        progress(`The runtime of ${name} is running (pid ${status.pid}) and connected.`);
      } else {
        progress(
          `The runtime of ${name} is already running; its settings apply at its next start (\`aachat agent stop ${name}\` first).`,
        );
      }
    }
    if (projects.length === 0) {
      printResult(options.json === true, { runtime: status, session: null }, () =>
        agentView.projects.length === 0
          ? `No session started: ${name} is in no project yet (\`aachat project add-agent\`).`
          : `No session started; start one with \`aachat agent start ${name} -p ${agentView.projects[0]!.team}/${agentView.projects[0]!.project}\`.`,
      );
      return;
    }
    progress(`Starting a session covering ${projects.join(", ")}…`);
    const started = await session.api.startSession(name, projects);
    printResult(options.json === true, started, () =>
      started.alreadyRunning
        ? `Already running: ${renderSession(started.session)}`
        : `Started ${renderSession(started.session)}`,
    );
  });

  addJsonOption(
    agent
      .command("stop")
      .description("stop the agent's runtime on this machine (every session ends, memory is published), or one session")
      .argument("[name]", "the agent")
      .option("-s, --session <id>", "stop only this session; the runtime keeps running")
      .option("--all", "stop every agent's runtime on this machine"),
  ).action(async (nameArg: string | undefined, options: TargetOptions) => {
    if (options.all) {
      if (nameArg !== undefined || options.session) throw new UsageError("--all takes no NAME or --session");
      const stopped: string[] = [];
      // Like a shutdown, it keeps their sessions: `agent start --all` brings back what was running.
      for (const name of await localRuntimeNames()) {
        if (await stopLocalRuntime(name, { keepSessions: true })) stopped.push(name);
      }
      printResult(options.json === true, { stopped }, () =>
        stopped.length === 0
          ? "No runtime was running."
          : `Stopped the runtimes of ${stopped.join(", ")}; \`aachat agent start --all\` brings their sessions back.`,
      );
      return;
    }
    const name = requireName(nameArg);
    if (options.session) {
      const sessionId = checked("--session", options.session, sessionIdParam);
      await (await loggedIn()).api.stopSession(name, sessionId);
      printResult(options.json === true, { stopped: sessionId }, () => `Stopped session ${sessionId} of ${name}.`);
      return;
    }
    const before = await localStatus(name);
    if (!before) throw new UserError(`the runtime of ${name} is not running on this machine`);
    progress(`Stopping the runtime of ${name} (${before.sessions.length} session(s); memory is published first)…`);
    await stopLocalRuntime(name);
    printResult(
      options.json === true,
      { stopped: name, sessions: before.sessions.length },
      () => `Stopped the runtime of ${name}.`,
    );
  });

  sessionsCommand(agent, {
    name: "restart",
    description: "restart the agent's sessions (same coverage, conversation resumed where the agent can)",
    resultKey: "restarted",
    none: "No session to restart.",
    act: async (api, name, sessionId) => {
      progress(`Restarting session ${sessionId} of ${name}…`);
      return `${name}: ${renderSession(await api.restartSession(name, sessionId))}`;
    },
    render: (done) => done.join("\n"),
  });

  sessionsCommand(agent, {
    name: "compact",
    description: "ask the agent to compact its conversation (/compact) after its current turn, without stopping it",
    resultKey: "compacted",
    none: "No session to compact.",
    act: async (api, name, sessionId) => {
      await api.compactSession(name, sessionId);
      return `${name}/${sessionId}`;
    },
    render: (done) => `Compacted ${done.join(", ")}.`,
  });

  agent
    .command("logs")
    .description("show the end of the agent's runtime log on this machine")
    .argument("<name>", "the agent")
    .addOption(new Option("-n, --lines <count>", "how many lines").default("50"))
    .option("-f, --follow", "keep printing new lines")
    .option("--raw", "the JSON lines as written")
    .action(async (nameArg: string, options: { lines: string; follow?: boolean; raw?: boolean }) => {
      const name = checkAgentName("NAME", nameArg);
      const count = Number(options.lines);
      if (!Number.isInteger(count) || count < 1 || count > 100_000)
        throw new UsageError("--lines must be a whole number from 1");
      const { runtimePaths, tailLines } = await import("@aachat/runtime/local");
      const file = runtimePaths(name).log;
      if (!existsSync(file)) throw new UserError(`no runtime log for ${name} on this machine (${file})`);
      const show = (line: string) => process.stdout.write(`${options.raw ? line : formatLogLine(line)}\n`);
      for (const line of await tailLines(file, count)) show(line);
      if (options.follow) await follow(file, show);
    });

  addJsonOption(
    agent
      .command("status")
      .description("the agent's runtime on this machine and its sessions (every agent's with --all or no NAME)")
      .argument("[name]", "the agent")
      .option("--all", "every agent's runtime on this machine"),
  ).action(async (nameArg: string | undefined, options: TargetOptions) => {
    if (nameArg === undefined || options.all) {
      const rows = await Promise.all(
        (await localRuntimeNames()).map(async (name) => {
          const status = await localStatus(name);
          return { name, status, lastStop: status ? null : await localLastStop(name) };
        }),
      );
      printResult(options.json === true, rows, () => renderRuntimeTable(rows));
      return;
    }
    const name = checkAgentName("NAME", nameArg);
    const status = await localStatus(name);
    const lastStop = status ? null : await localLastStop(name);
    const usage = await usageIfLoggedIn(name);
    printResult(options.json === true, { name, status, lastStop, usage }, () =>
      [renderRuntimeStatus(name, status, lastStop), usage && renderUsage(name, usage)].filter(Boolean).join("\n"),
    );
  });
}

/** Starts every runtime on this machine that had sessions when it stopped (`aachat up` does this too). */
export async function resumeRuntimes(): Promise<string[]> {
  const { runtimesToResume } = await import("../runtime/localRuntime.ts");
  const started: string[] = [];
  for (const name of await runtimesToResume()) {
    progress(`Starting the runtime of ${name} (its sessions resume)…`);
    try {
      await launchRuntime(name);
      started.push(name);
    } catch (error) {
      progress(`warning: ${(error as Error).message}`);
    }
  }
  return started;
}

/**
 * The agent's cost from the server, for its status; null when not logged in or the server
 * cannot say (the runtime's own status does not need the server).
 */
async function usageIfLoggedIn(name: string): Promise<AgentUsageReport | null> {
  const credentials = await readCredentials().catch(() => undefined);
  if (!credentials) return null;
  return apiClientFor(credentials)
    .agentUsage(name)
    .catch(() => null);
}

/** Why the agent's runtime on this machine last stopped on its own (displaced, token refused), if it did. */
async function localLastStop(name: string): Promise<LastStop | null> {
  const { readLastStop, runtimePaths } = await import("@aachat/runtime/local");
  return readLastStop(runtimePaths(name));
}

/**
 * Refuses projects the agent is not in before a runtime is started, so a mistyped project
 * leaves nothing behind. The server checks the projects before it asks the runtime, so with
 * the runtime not running a valid request fails only because the runtime is unavailable.
 */
async function checkProjectsFirst(session: Session, name: string, projects: string[]): Promise<void> {
  await session.api.startSession(name, projects).catch((error: unknown) => {
    if (!(error instanceof ApiError && error.code === "runtime_unavailable")) throw error;
  });
}

/**
 * A runtime whose Claude Code cannot sign in starts and says "ready", then answers every
 * mention with an authentication error: refuse before anything is started instead.
 */
function refuseWithoutClaudeCredentials(name: string, agentCommand: string[] | undefined): void {
  const auth = claudeAuth({ agentCommand, env: process.env, home: homedir() });
  if (auth.status !== "missing") return;
  throw new UserError(
    `${auth.advice}; then run \`aachat agent start ${name}\` again from that shell (or pass --skip-auth-check if Claude Code signs in another way)`,
  );
}

function requireName(nameArg: string | undefined): string {
  if (nameArg === undefined) throw new UsageError("give the agent's NAME (or --all)");
  return checkAgentName("NAME", nameArg);
}

/** runtime.json for this start: where the server and the repository are, and the settings given. */
async function prepareRuntime(session: Session, name: string, options: StartOptions): Promise<void> {
  const repoDir = path.resolve(options.repoDir ?? path.join(agentsDir(), name));
  if (!existsSync(path.join(repoDir, ".git"))) {
    throw new UserError(
      `no repository of ${name} at ${repoDir}; make one with \`aachat agent create ${name}\`, clone it with \`aachat agent create --repo URL\`, or pass --repo-dir`,
    );
  }
  if (!(await hasRuntimeToken(name))) {
    throw new UserError(
      `no runtime token of ${name} on this machine; \`aachat agent token rotate ${name}\` makes one and keeps it here (a runtime elsewhere then stops)`,
    );
  }
  let permissionTimeoutMs: number | undefined;
  if (options.permissionTimeout !== undefined) {
    const seconds = Number(options.permissionTimeout);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
      throw new UsageError("--permission-timeout must be whole seconds from 1 to 86400");
    }
    permissionTimeoutMs = seconds * 1000;
  }
  const agentCommand = options.acpCommand?.trim().split(/\s+/).filter(Boolean);
  if (options.acpCommand !== undefined && !agentCommand?.length)
    throw new UsageError("--acp-command must name a program");
  if (!options.skipAuthCheck) refuseWithoutClaudeCredentials(name, agentCommand);
  await writeRuntimeConfig({
    agent: name,
    serverUrl: session.credentials.serverUrl,
    repoDir,
    ...(agentCommand ? { agentCommand } : {}),
    ...(permissionTimeoutMs ? { permissionTimeoutMs } : {}),
  });
}

/** The (agent, session) pairs a restart or compact acts on. */
async function targets(nameArg: string | undefined, options: TargetOptions): Promise<[string, string][]> {
  if (options.all) {
    if (nameArg !== undefined || options.session) throw new UsageError("--all takes no NAME or --session");
    const pairs: [string, string][] = [];
    for (const name of await localRuntimeNames()) {
      for (const session of (await localStatus(name))?.sessions ?? []) pairs.push([name, session.id]);
    }
    return pairs;
  }
  const name = requireName(nameArg);
  if (options.session) return [[name, checked("--session", options.session, sessionIdParam)]];
  const status = await localStatus(name);
  if (status) return status.sessions.map((session) => [name, session.id]);
  // Running elsewhere: the server knows its sessions.
  const runtime = (await (await loggedIn()).api.getAgent(name)).runtime;
  if (!runtime.online) throw new UserError(`the runtime of ${name} is not running`);
  return (runtime.state?.sessions ?? []).map((session) => [name, session.id]);
}

async function follow(file: string, show: (line: string) => void): Promise<void> {
  const { open } = await import("node:fs/promises");
  const handle = await open(file, "r");
  let position = (await handle.stat()).size;
  let partial = "";
  for await (const _change of watch(file)) {
    const { size } = await handle.stat();
    if (size < position) position = 0; // rotated or truncated
    if (size === position) continue;
    const buffer = Buffer.alloc(size - position);
    await handle.read(buffer, 0, buffer.length, position);
    position = size;
    const lines = (partial + buffer.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line) show(line);
  }
}

/** A command that does one thing to each session NAME, --session or --all selects, and lists what it did. */
function sessionsCommand(
  agent: Command,
  spec: {
    name: string;
    description: string;
    /** The JSON result's key for the list of what was done. */
    resultKey: string;
    /** What to print when no session was selected. */
    none: string;
    /** Does it to one session; returns how to list it. */
    act: (api: ApiClient, name: string, sessionId: string) => Promise<string>;
    render: (done: readonly string[]) => string;
  },
): void {
  addJsonOption(
    agent
      .command(spec.name)
      .description(spec.description)
      .argument("[name]", "the agent")
      .option("-s, --session <id>", "only this session")
      .option("--all", "every session of every agent running on this machine"),
  ).action(async (nameArg: string | undefined, options: TargetOptions) => {
    const { api } = await loggedIn();
    const done: string[] = [];
    for (const [name, sessionId] of await targets(nameArg, options)) done.push(await spec.act(api, name, sessionId));
    printResult(options.json === true, { [spec.resultKey]: done }, () => (done.length ? spec.render(done) : spec.none));
  });
}
