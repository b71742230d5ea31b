import path from "node:path";
import { runCli } from "../cli.ts";
import { scriptedAgentCommand } from "../scriptedAgent.ts";
import type { HttpHuman } from "./httpHuman.ts";
import type { LoadTarget } from "./mentionLoad.ts";
import { childProcesses } from "./processes.ts";

/**
 * A person at their machine with the `aachat` CLI: its own config, agent repositories and
 * runtimes folders, so that the runtimes it starts are theirs to kill and start again.
 */
export class CliUser {
  private constructor(readonly env: Record<string, string>) {}

  /** A user whose folders are under `dir`. */
  static create(dir: string): CliUser {
    return new CliUser({
      AACHAT_CONFIG_DIR: path.join(dir, "config"),
      AACHAT_AGENTS_DIR: path.join(dir, "agents"),
      AACHAT_RUNTIME_DIR: path.join(dir, "runtimes"),
      AACHAT_DATA_DIR: path.join(dir, "data"),
    });
  }

  /** Runs the CLI; fails the test on a non-zero exit. */
  async cli(...args: string[]): Promise<string> {
    const result = await runCli(args, this.env);
    if (result.code !== 0) throw new Error(`aachat ${args.join(" ")} failed (${result.code}):\n${result.stderr}`);
    return result.stdout;
  }

  async cliJson<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.cli(...args, "--json")) as T;
  }

  /**
   * What a new user does first, through the CLI: log in, make a team, a project and an
   * agent in it, start the agent's runtime with the scripted ACP agent, and join the
   * project and the agent's DM.
   */
  async agentInProject(
    owner: HttpHuman,
    servers: { homeserverUrl: string; serverUrl: string },
    names: { team: string; project: string; agent: string; displayName: string },
  ): Promise<LoadTarget> {
    await this.cli(
      "login",
      "--homeserver",
      servers.homeserverUrl,
      "--server",
      servers.serverUrl,
      "--token",
      owner.accessToken,
    );
    await this.cli("team", "create", names.team);
    await this.cli("agent", "create", names.agent, "--display-name", names.displayName);
    const agent = await this.cliJson<{ userId: string; dmRoomId: string }>("agent", "show", names.agent);
    await owner.join(agent.dmRoomId);
    const projectRoomId = await this.projectWithAgent(owner, names.team, names.project, names.agent, [
      "--acp-command",
      scriptedAgentCommand().join(" "),
    ]);
    return { agent: { userId: agent.userId, displayName: names.displayName }, projectRoomId, dmRoomId: agent.dmRoomId };
  }

  /** A new project with the agent in it and a session of its runtime covering it; resolves with its room. */
  async projectWithAgent(
    owner: HttpHuman,
    team: string,
    project: string,
    agent: string,
    startOptions: string[] = [],
  ): Promise<string> {
    await this.cli("project", "create", project, "--team", team);
    await this.cli("project", "add-agent", project, agent, "--team", team);
    await this.cli("agent", "start", agent, "-p", `${team}/${project}`, ...startOptions);
    const { roomId } = await this.cliJson<{ roomId: string }>("project", "show", project, "--team", team);
    await owner.join(roomId);
    return roomId;
  }

  /** The agent's runtime process, as `aachat agent status` reports it. */
  async runtimePid(agent: string): Promise<number> {
    const status = await this.cliJson<{ status: { pid: number } | null }>("agent", "status", agent);
    if (!status.status) throw new Error(`agent status ${agent} names no running runtime`);
    return status.status.pid;
  }

  /** The ACP agent processes the runtime started (one per session). */
  async acpPids(agent: string): Promise<number[]> {
    const children = await childProcesses(await this.runtimePid(agent));
    return children.filter((child) => child.cmdline.includes("scripted-agent")).map((child) => child.pid);
  }

  /** Stops every runtime this user started. */
  async stopRuntimes(): Promise<void> {
    await runCli(["agent", "stop", "--all"], this.env);
  }
}
