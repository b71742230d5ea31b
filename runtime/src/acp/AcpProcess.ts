import { spawn, type ChildProcess } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import type {
  AgentCapabilities,
  LoadSessionResponse,
  McpServer,
  NewSessionResponse,
  PromptResponse,
  RequestPermissionRequest,
  RequestPermissionResponse,
  SessionConfigOption,
  SessionNotification,
} from "@agentclientprotocol/sdk";
import type { Logger } from "pino";
import { RUNTIME_VERSION } from "../version.ts";

export interface AcpHandlers {
  /** Every `session/update`, in order. Must not block: it runs inside the stream reader. */
  onUpdate(notification: SessionNotification): void;
  onPermission(request: RequestPermissionRequest, abort: AbortSignal): Promise<RequestPermissionResponse>;
}

export interface AcpProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  handlers: AcpHandlers;
  log: Logger;
  /** How long the agent may take to answer `initialize`. */
  initializeTimeoutMs?: number;
}

/** The agent process ended (crashed, was killed, or closed its output). */
export class AgentExitedError extends Error {
  override readonly name = "AgentExitedError";
  constructor(readonly detail: string) {
    super(`the agent process stopped (${detail})`);
  }
}

const STDERR_LINES = 40;

/**
 * One ACP agent process (Claude Code's `claude-agent-acp`, or any ACP agent) spoken to over
 * its stdio as an ACP client: initialised at start, then sessions, prompts and cancels.
 * Its stderr goes to the runtime's log; its last lines are kept to explain a failure.
 */
export class AcpProcess {
  readonly #child: ChildProcess;
  readonly #connection: acp.ClientConnection;
  readonly #stderr: string[] = [];
  readonly exited: Promise<string>;
  #exitDetail: string | null = null;
  capabilities: AgentCapabilities = {};
  agentName = "";

  private constructor(child: ChildProcess, connection: acp.ClientConnection, log: Logger) {
    this.#child = child;
    this.#connection = connection;
    child.stderr?.setEncoding("utf8");
    let partial = "";
    child.stderr?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        this.#stderr.push(line);
        if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
        log.debug({ stderr: line }, "agent process");
      }
    });
    this.exited = new Promise<string>((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exitDetail = signal ? `killed by ${signal}` : `exit code ${code}`;
        connection.close(new AgentExitedError(this.#exitDetail));
        resolve(this.#exitDetail);
      });
      child.once("error", (error) => {
        this.#exitDetail = `could not run: ${error.message}`;
        connection.close(new AgentExitedError(this.#exitDetail));
        resolve(this.#exitDetail);
      });
    });
  }

  /** Spawns the agent and initialises it; rejects with a message that says why it failed. */
  static async start(options: AcpProcessOptions): Promise<AcpProcess> {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so that stopping it also ends what it started (Claude Code itself).
      detached: true,
    });
    const app = acp
      .client({ name: "aachat-runtime" })
      .onRequest(acp.methods.client.session.requestPermission, ({ params, signal }) =>
        options.handlers.onPermission(params, signal),
      )
      .onNotification(acp.methods.client.session.update, ({ params }) => {
        options.handlers.onUpdate(params);
      });
    // Node's stream/web types are not the DOM's that the SDK takes; the rule cannot tell them apart.
    /* eslint-disable @typescript-eslint/no-unnecessary-type-assertion */
    const connection = app.connect(
      acp.ndJsonStream(
        Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
        Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
      ),
    );
    /* eslint-enable @typescript-eslint/no-unnecessary-type-assertion */
    const agent = new AcpProcess(child, connection, options.log);
    const timeoutMs = options.initializeTimeoutMs ?? 60_000;
    try {
      const initialized = await Promise.race([
        connection.agent.request(acp.methods.agent.initialize, {
          protocolVersion: acp.PROTOCOL_VERSION,
          clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
          clientInfo: { name: "aachat-runtime", version: RUNTIME_VERSION },
        }),
        agent.exited.then((detail) => Promise.reject(new AgentExitedError(detail))),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`it did not answer initialize within ${timeoutMs / 1000} s`)),
            timeoutMs,
          ).unref(),
        ),
      ]);
      agent.capabilities = initialized.agentCapabilities ?? {};
      agent.agentName = initialized.agentInfo?.name ?? "";
      return agent;
    } catch (error) {
      await agent.kill();
      throw new Error(`${options.command} ${describeFailure(error)}${agent.stderrTail()}`, { cause: error });
    }
  }

  get supportsLoad(): boolean {
    return this.capabilities.loadSession === true;
  }

  get running(): boolean {
    return this.#exitDetail === null;
  }

  /** Opens a conversation; the answer also holds the modes and config options the agent offers. */
  newSession(cwd: string, mcpServers: McpServer[]): Promise<NewSessionResponse> {
    return this.#connection.agent.request(acp.methods.agent.session.new, { cwd, mcpServers });
  }

  async loadSession(sessionId: string, cwd: string, mcpServers: McpServer[]): Promise<LoadSessionResponse> {
    return (await this.#connection.agent.request(acp.methods.agent.session.load, { sessionId, cwd, mcpServers })) ?? {};
  }

  /** Switches the session's mode (`session/set_mode`). */
  async setMode(sessionId: string, modeId: string): Promise<void> {
    await this.#connection.agent.request(acp.methods.agent.session.setMode, { sessionId, modeId });
  }

  /** Sets one of the session's config options; resolves with all of them as they are now. */
  async setConfigOption(sessionId: string, configId: string, value: string): Promise<SessionConfigOption[]> {
    const { configOptions } = await this.#connection.agent.request(acp.methods.agent.session.setConfigOption, {
      sessionId,
      configId,
      value,
    });
    return configOptions;
  }

  async prompt(sessionId: string, prompt: acp.ContentBlock[]): Promise<PromptResponse> {
    try {
      return await this.#connection.agent.request(acp.methods.agent.session.prompt, { sessionId, prompt });
    } catch (error) {
      throw await this.#explain(error);
    }
  }

  /** A request failed: when the process is ending, that is the real reason. */
  async #explain(error: unknown): Promise<unknown> {
    const exited = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000).unref()),
    ]);
    return exited === null ? error : new AgentExitedError(exited);
  }

  async cancel(sessionId: string): Promise<void> {
    await this.#connection.agent.notify(acp.methods.agent.session.cancel, { sessionId });
  }

  /** The last lines the agent wrote to stderr, for an error message (empty when none). */
  stderrTail(lines = 6): string {
    const tail = this.#stderr.slice(-lines);
    return tail.length > 0 ? `\n  ${tail.join("\n  ")}` : "";
  }

  /** Ends the process: its input is closed, then SIGTERM, then SIGKILL. */
  async kill(graceMs = 3_000): Promise<void> {
    if (!this.running) return;
    this.#child.stdin?.end();
    const escalate = setTimeout(() => this.#signalGroup("SIGTERM"), graceMs);
    const force = setTimeout(() => this.#signalGroup("SIGKILL"), graceMs * 2);
    await this.exited;
    clearTimeout(escalate);
    clearTimeout(force);
    this.#signalGroup("SIGKILL");
  }

  /** Kills the process at once (a hung agent). */
  async terminate(): Promise<void> {
    if (!this.running) return;
    this.#signalGroup("SIGKILL");
    await this.exited;
  }

  /** Signals the agent and every process it started that is still in its group. */
  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof AgentExitedError) return `stopped before it was ready (${error.detail})`;
  if (error instanceof Error) return `failed to start: ${error.message}`;
  return `failed to start: ${String(error)}`;
}
