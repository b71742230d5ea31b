import { randomBytes } from "node:crypto";
import { removeWorkspace } from "@aachat/agent-repo";
import type { ContentBlock, McpServer, PromptResponse } from "@agentclientprotocol/sdk";
import { projectLabel, type SessionState, type SessionStatus, type SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import type { AgentIdentity } from "../client/AgentIdentity.ts";
import type { RuntimeConfig } from "../files/config.ts";
import type { ToolSession } from "../mcp/ChatTools.ts";
import type { MemorySync } from "../memory/MemorySync.ts";
import type { PermissionBroker } from "../permissions/PermissionBroker.ts";
import { diedUnasked, Turn } from "../turns/Turn.ts";
import { AcpProcess, AgentExitedError } from "../acp/AcpProcess.ts";
import { agentCommand, agentEnvironment } from "../acp/agentCommand.ts";
import { allowChatTools } from "./allowChatTools.ts";
import { prepareWorkspace } from "./prepareWorkspace.ts";
import type { SessionRecord } from "./SessionStore.ts";

export interface SessionDeps {
  config: RuntimeConfig;
  /** The owner's environment, for the agent process. */
  env: NodeJS.ProcessEnv;
  identity: () => Promise<AgentIdentity>;
  chat: ChatRequests;
  permissions: PermissionBroker;
  memory: MemorySync;
  log: Logger;
  /** The MCP server that gives this session's agent its chat tools, reachable with `key`. */
  chatToolsServer(key: string): McpServer;
  /** Lets the control socket find this session by its tools' key. */
  registerTools(key: string, session: ToolSession | null): void;
  /** The session's state or record changed: persist and report it. */
  changed(): void;
  /** A signal was processed: mark it done in the journal. */
  signalDone(signalId: string): Promise<void>;
  /** Signals the session will not process after all (it stopped): route them again. */
  reroute(signals: SignalPayload[]): void;
  /** Posts a notice in the agent's DM with its owner. */
  tellOwner(text: string, key: string): Promise<void>;
}

/** How long a cancelled prompt may take to end before its agent process is killed and the session recovered. */
const CANCEL_GRACE_MS = 40_000;
/** How often a turn is run again after the agent process died during it. */
const RUNS_AFTER_AGENT_EXIT = 1;
/** Recovery attempts after the agent process died, and the waits between them. */
const RECOVERY_DELAYS_MS = [0, 2_000, 10_000];

type QueueItem = { kind: "signal"; signal: SignalPayload } | { kind: "compact"; done: () => void };

/**
 * One working period of the agent: an ACP agent process in its own worktree of the agent
 * repository, its conversation (resumed with `session/load` where the agent supports it),
 * and the signals of the projects it covers, answered one turn at a time.
 */
export class AgentSession implements ToolSession {
  readonly id: string;
  readonly record: SessionRecord;
  readonly #deps: SessionDeps;
  readonly #log: Logger;
  #status: SessionStatus = "starting";
  #error: string | null = null;
  #conversation: SessionState["conversation"] = null;
  #process: AcpProcess | null = null;
  #workspace: string | null = null;
  #toolsKey: string | null = null;
  readonly #queue: QueueItem[] = [];
  #turn: Turn | null = null;
  #turnStartedAt: string | null = null;
  #pumping: Promise<void> | null = null;
  #stopping = false;
  #recovering: Promise<void> | null = null;
  /** Signals whose turn was cut short by the agent process dying, and how often. */
  readonly #interrupted = new Map<string, number>();

  constructor(record: SessionRecord, deps: SessionDeps) {
    this.id = record.id;
    this.record = record;
    this.#deps = deps;
    this.#log = deps.log.child({ session: record.id });
  }

  get projects() {
    return this.record.projects;
  }

  get readCursors(): Record<string, string> {
    return this.record.readCursors;
  }

  cursorsChanged(): void {
    this.#deps.changed();
  }

  covers(projectId: number): boolean {
    return this.record.projects.some((project) => project.id === projectId);
  }

  get status(): SessionStatus {
    return this.#status;
  }

  state(): SessionState {
    const turn = this.#turn;
    return {
      id: this.id,
      projects: this.record.projects,
      status: this.#status,
      agent: agentCommand(this.#deps.config.agentCommand).label,
      conversation: this.#conversation,
      startedAt: this.record.startedAt,
      turn:
        turn && this.#turnStartedAt
          ? {
              signalId: turn.signal.id,
              roomId: turn.signal.roomId,
              project: turn.signal.team && turn.signal.project ? `${turn.signal.team}/${turn.signal.project}` : null,
              sender: turn.signal.sender,
              startedAt: this.#turnStartedAt,
            }
          : null,
      queued: this.#queue.length,
      error: this.#error,
    };
  }

  /** Prepares the workspace, starts the agent process and opens (or resumes) the conversation. */
  async start(): Promise<void> {
    this.#setStatus("starting");
    try {
      await this.#launch();
      this.#setStatus("ready");
    } catch (error) {
      this.#error = (error as Error).message;
      this.#setStatus("failed");
      this.#log.error({ err: error }, "session could not start");
      this.#pump();
      throw error;
    }
    this.#pump();
  }

  enqueue(signal: SignalPayload): void {
    this.#queue.push({ kind: "signal", signal });
    this.#deps.changed();
    this.#pump();
  }

  /** Stops the running turn if `eventId` stands for it (its question or its answer). */
  stopTurnConcerning(eventId: string, by: string): boolean {
    if (!this.#turn?.concerns(eventId)) return false;
    this.#cancel(by);
    return true;
  }

  /** Stops the running turn in this room (preferring the same thread); true when there was one. */
  stopTurnIn(roomId: string, threadRootId: string | null, by: string): boolean {
    const turn = this.#turn;
    if (!turn || turn.signal.roomId !== roomId) return false;
    if (threadRootId !== null && turn.signal.threadRootId !== threadRootId && !turn.concerns(threadRootId))
      return false;
    this.#cancel(by);
    return true;
  }

  /** Asks the agent to compact its conversation after the running turn; resolves once done. */
  compact(): Promise<void> {
    return new Promise((resolve) => {
      this.#queue.push({ kind: "compact", done: resolve });
      this.#pump();
    });
  }

  /**
   * Ends the session: the running turn is cancelled, queued signals go back to be routed,
   * memory is published, the agent process ends. `removeWorkspace` for a session stopped
   * for good; a runtime shutting down keeps it for the next start.
   */
  async stop(options: { removeWorkspace: boolean }): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#setStatus("stopping");
    const queued = this.#queue.splice(0);
    for (const item of queued) if (item.kind === "compact") item.done();
    this.#deps.reroute(queued.flatMap((item) => (item.kind === "signal" ? [item.signal] : [])));
    if (this.#turn) this.#cancel("the session stopping");
    await this.#pumping;
    await this.#recovering?.catch(() => undefined);
    if (this.#workspace) {
      await this.#deps.memory.publish(this.#workspace, `Memory: ${this.#label()} ended`, `${this.id}:end`);
    }
    await this.#process?.kill();
    this.#process = null;
    this.#unregisterTools();
    if (options.removeWorkspace && this.#workspace) {
      await removeWorkspace(this.#deps.config.repoDir, this.id).catch((error: unknown) =>
        this.#log.warn({ err: error }, "could not remove the session's workspace"),
      );
    }
    this.#log.info("session stopped");
  }

  async #launch(): Promise<void> {
    const { config, log } = this.#deps;
    const workspace = await prepareWorkspace(config.repoDir, this.id, config.agent, this.#deps.env);
    this.#workspace = workspace.dir;
    await allowChatTools(workspace.dir);
    if (workspace.missing) await this.#deps.tellOwner(workspace.missing, `missing:${this.id}:${this.record.startedAt}`);
    const command = agentCommand(config.agentCommand);
    const agent = await AcpProcess.start({
      command: command.command,
      args: command.args,
      cwd: workspace.dir,
      env: agentEnvironment(this.#deps.env, workspace.vars),
      log: log.child({ session: this.id, component: "agent" }),
      handlers: {
        onUpdate: (notification) => {
          if (notification.sessionId === this.record.acpSessionId) this.#turn?.onUpdate(notification.update);
        },
        onPermission: (request, abort) =>
          this.#turn ? this.#turn.onPermission(request, abort) : Promise.resolve({ outcome: { outcome: "cancelled" } }),
      },
    });
    this.#process = agent;
    this.#unregisterTools();
    this.#toolsKey = randomBytes(24).toString("base64url");
    this.#deps.registerTools(this.#toolsKey, this);
    const mcpServers = [this.#deps.chatToolsServer(this.#toolsKey)];
    const previous = this.record.acpSessionId;
    this.#conversation = "new";
    if (previous && agent.supportsLoad) {
      try {
        await agent.loadSession(previous, workspace.dir, mcpServers);
        this.#conversation = "resumed";
      } catch (error) {
        this.#log.warn({ err: error }, "could not resume the conversation; starting a new one");
      }
    }
    if (this.#conversation === "new") this.record.acpSessionId = await agent.newSession(workspace.dir, mcpServers);
    this.#error = null;
    this.#log.info(
      { agent: command.label, conversation: this.#conversation, acpSessionId: this.record.acpSessionId },
      "session ready",
    );
    void agent.exited.then((detail) => this.#exited(agent, detail));
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = this.#drain().finally(() => {
      this.#pumping = null;
      if (this.#queue.length > 0 && (this.#status === "ready" || this.#status === "failed") && !this.#stopping) {
        this.#pump();
      }
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopping && this.#queue.length > 0) {
      // Picked up again once ready (also when the agent just died and its recovery has yet to begin).
      if (this.#status === "starting" || (this.#status !== "failed" && !this.#process?.running)) return;
      const item = this.#queue.shift()!;
      this.#deps.changed();
      if (item.kind === "compact") {
        await this.#compactNow();
        item.done();
        continue;
      }
      if (this.#status === "failed") {
        await this.#answerUnavailable(item.signal);
        continue;
      }
      await this.#runTurn(item.signal);
    }
  }

  async #runTurn(signal: SignalPayload): Promise<void> {
    const { config, chat, permissions, log } = this.#deps;
    const identity = await this.#deps.identity();
    const turnLog = log.child({ session: this.id, signal: signal.id });
    const turn = new Turn({
      signal,
      identity,
      coverage: this.record.projects,
      chat,
      permissions,
      editIntervalMs: config.editIntervalMs,
      log: turnLog,
      prompt: (blocks) => this.#prompt(blocks),
      retriedIfAgentExits: (this.#interrupted.get(signal.id) ?? 0) < RUNS_AFTER_AGENT_EXIT,
    });
    this.#turn = turn;
    this.#turnStartedAt = new Date().toISOString();
    this.#setStatus("busy");
    turnLog.info({ from: signal.sender, project: signal.project }, "turn started");
    const outcome = await turn.run();
    turnLog.info(
      outcome.kind === "answered" ? { stopReason: outcome.stopReason } : { error: String(outcome.error) },
      "turn ended",
    );
    this.#turn = null;
    this.#turnStartedAt = null;
    const interrupted = this.#interrupted.get(signal.id) ?? 0;
    if (diedUnasked(outcome) && !turn.stopping && interrupted < RUNS_AFTER_AGENT_EXIT) {
      // The recovered session answers it first, in the same message.
      this.#interrupted.set(signal.id, interrupted + 1);
      this.#queue.unshift({ kind: "signal", signal });
      turnLog.info("the agent process died during the turn; it runs again once the session is back");
      return;
    }
    this.#interrupted.delete(signal.id);
    if (this.#workspace) {
      await this.#deps.memory.publish(
        this.#workspace,
        `Memory: ${this.#label()} after a turn`,
        `${this.id}:${signal.id}`,
      );
    }
    await this.#deps.signalDone(signal.id);
    if (this.#status === "busy") this.#setStatus("ready");
    else this.#deps.changed();
  }

  #prompt(blocks: ContentBlock[]): Promise<PromptResponse> {
    const agent = this.#process;
    const sessionId = this.record.acpSessionId;
    if (!agent?.running || !sessionId) return Promise.reject(new AgentExitedError("it is not running"));
    return agent.prompt(sessionId, blocks);
  }

  #cancel(by: string): void {
    const turn = this.#turn;
    const agent = this.#process;
    const sessionId = this.record.acpSessionId;
    if (!turn || turn.stopping) return;
    turn.stop(by);
    if (!agent || !sessionId) return;
    this.#log.info({ by }, "cancelling the turn");
    void agent.cancel(sessionId).catch((error: unknown) => this.#log.warn({ err: error }, "could not send cancel"));
    // An agent that does not end a cancelled prompt is killed; the session recovers.
    const guard = setTimeout(() => {
      if (this.#turn === turn && agent.running) {
        this.#log.warn("the agent did not end the cancelled turn; restarting it");
        void agent.terminate();
      }
    }, CANCEL_GRACE_MS);
    guard.unref();
  }

  async #compactNow(): Promise<void> {
    const agent = this.#process;
    const sessionId = this.record.acpSessionId;
    if (!agent?.running || !sessionId) return;
    try {
      const result = await agent.prompt(sessionId, [{ type: "text", text: "/compact" }]);
      this.#log.info({ stopReason: result.stopReason }, "conversation compacted");
    } catch (error) {
      this.#log.warn({ err: error }, "compact failed");
    }
  }

  async #answerUnavailable(signal: SignalPayload): Promise<void> {
    const identity = await this.#deps.identity();
    await this.#deps.chat
      .request("message.send", {
        roomId: signal.roomId,
        body: `⚠️ I can't answer: my session ${this.id} failed to start (${this.#error ?? "unknown error"}). ${identity.ownerUserId} can see why with \`aachat agent logs ${identity.name}\`.`,
        threadRootId: signal.threadRootId,
        replyTo: signal.eventId,
        notice: true,
        key: `reply:${signal.id}`,
      })
      .catch((error: unknown) => this.#log.warn({ err: error }, "could not say the session failed"));
    await this.#deps.signalDone(signal.id);
  }

  /** The agent process ended without being asked to: recover the session and say so. */
  #exited(agent: AcpProcess, detail: string): void {
    if (this.#stopping || this.#process !== agent) return;
    this.#log.warn({ detail, stderr: agent.stderrTail() }, "the agent process stopped unexpectedly");
    const duringTurn = this.#turn !== null;
    this.#process = null;
    this.#setStatus("starting");
    this.#recovering = this.#recover(detail, duringTurn).finally(() => (this.#recovering = null));
  }

  async #recover(detail: string, duringTurn: boolean): Promise<void> {
    await this.#pumping; // the interrupted turn finishes first (it says what happened)
    let lastError: unknown;
    for (const delay of RECOVERY_DELAYS_MS) {
      if (this.#stopping) return;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        await this.#launch();
        this.#setStatus("ready");
        const how = this.#conversation === "resumed" ? "its conversation was resumed" : "it starts a new conversation";
        if (!duringTurn) {
          await this.#deps.tellOwner(
            `Session ${this.id} (${this.#label()}): the agent process stopped (${detail}) and was restarted; ${how}.`,
            `recovered:${this.id}:${Date.now()}`,
          );
        }
        this.#log.info({ conversation: this.#conversation }, "session recovered");
        this.#pump();
        return;
      } catch (error) {
        lastError = error;
        this.#log.warn({ err: error }, "recovering the session failed");
      }
    }
    this.#error = `the agent process stopped (${detail}) and could not be restarted: ${(lastError as Error).message}`;
    this.#setStatus("failed");
    await this.#deps.tellOwner(
      `⚠️ Session ${this.id} (${this.#label()}) failed: ${this.#error}`,
      `failed:${this.id}:${Date.now()}`,
    );
    this.#pump();
  }

  #label(): string {
    return `session ${this.id} covering ${this.record.projects.map(projectLabel).join(", ")}`;
  }

  #unregisterTools(): void {
    if (this.#toolsKey) this.#deps.registerTools(this.#toolsKey, null);
    this.#toolsKey = null;
  }

  #setStatus(status: SessionStatus): void {
    this.#status = status;
    this.#deps.changed();
  }
}
