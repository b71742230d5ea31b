import { randomBytes } from "node:crypto";
import { removeWorkspace } from "@aachat/agent-repo";
import type { ContentBlock, PromptResponse } from "@agentclientprotocol/sdk";
import { projectLabel, type SessionState, type SessionStatus, type SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import { AcpProcess, AgentExitedError } from "../acp/AcpProcess.ts";
import { replyNotice } from "../chat/replyNotice.ts";
import { SessionSettings, type SettingChange, type SettingKind } from "../commands/SessionSettings.ts";
import { agentCommand, agentEnvironment } from "../acp/agentCommand.ts";
import type { ToolSession, TurnPlace } from "../mcp/ChatTools.ts";
import type { ChatToolsLease } from "../mcp/ChatToolsHost.ts";
import { SessionUsage } from "../turns/SessionUsage.ts";
import { Turn } from "../turns/Turn.ts";
import { attachmentsForTurn } from "../turns/turnAttachments.ts";
import { allowChatTools } from "./allowChatTools.ts";
import { InterruptedTurns, recoverAgent } from "./CrashRecovery.ts";
import { prepareWorkspace } from "./prepareWorkspace.ts";
import type { SessionDeps } from "./SessionDeps.ts";
import { SessionLifecycle } from "./SessionLifecycle.ts";
import type { SessionRecord } from "./SessionStore.ts";
import { TurnQueue, type SessionWork } from "./TurnQueue.ts";

/** How long a cancelled prompt may take to end before its agent process is killed and the session recovered. */
const CANCEL_GRACE_MS = 40_000;

/**
 * One working period of the agent: an ACP agent process in its own worktree of the agent
 * repository, its conversation (resumed with `session/load` where the agent supports it),
 * and the signals of the projects it covers, answered one turn at a time. When the agent
 * process dies, the session starts it again and runs the interrupted turn once more.
 */
export class AgentSession implements ToolSession {
  readonly id: string;
  readonly record: SessionRecord;
  readonly #deps: SessionDeps;
  readonly #log: Logger;
  readonly #lifecycle: SessionLifecycle;
  readonly #queue: TurnQueue;
  readonly #interrupted = new InterruptedTurns();
  /** Aborted when the session stops: a turn waiting for the daily cost limit gives its signal back. */
  readonly #stopped = new AbortController();
  #waitingForBudget = false;
  readonly #usage = new SessionUsage();
  readonly #settings = new SessionSettings();
  #conversation: SessionState["conversation"] = null;
  #process: AcpProcess | null = null;
  #workspace: string | null = null;
  #tools: ChatToolsLease | null = null;
  #turn: Turn | null = null;
  #turnStartedAt: string | null = null;
  #recovering: Promise<void> | null = null;

  constructor(record: SessionRecord, deps: SessionDeps) {
    this.id = record.id;
    this.record = record;
    this.#deps = deps;
    this.#log = deps.log.child({ session: record.id });
    this.#lifecycle = new SessionLifecycle(() => deps.keeper.changed());
    this.#queue = new TurnQueue({
      mayTake: () => this.#lifecycle.takesWork(this.#process?.running ?? false),
      taken: () => deps.keeper.changed(),
      run: (work) => this.#run(work),
    });
  }

  get projects() {
    return this.record.projects;
  }

  /** The session's worktree, which chat tools may post files from; null before it is prepared. */
  get workspace(): string | null {
    return this.#workspace;
  }

  /** Where the running turn answers (its room, thread and question); null between turns. */
  get turnPlace(): TurnPlace | null {
    const signal = this.#turn?.signal;
    return signal ? { roomId: signal.roomId, threadRootId: signal.threadRootId, replyTo: signal.eventId } : null;
  }

  get readCursors(): Record<string, string> {
    return this.record.readCursors;
  }

  cursorsChanged(): void {
    this.#deps.keeper.changed();
  }

  covers(projectId: number): boolean {
    return this.record.projects.some((project) => project.id === projectId);
  }

  get status(): SessionStatus {
    return this.#lifecycle.status;
  }

  state(): SessionState {
    const turn = this.#turn;
    return {
      id: this.id,
      projects: this.record.projects,
      status: this.#lifecycle.status,
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
      error: this.#lifecycle.error,
      usage: this.#usage.total,
      mode: this.#settings.current("mode"),
      model: this.#settings.current("model"),
      title: this.#settings.title,
      paused: this.#waitingForBudget ? this.#deps.budget.paused : null,
    };
  }

  /** Prepares the workspace, starts the agent process and opens (or resumes) the conversation. */
  async start(): Promise<void> {
    this.#lifecycle.starting();
    try {
      await this.#launch();
      this.#lifecycle.ready();
    } catch (error) {
      this.#lifecycle.failed((error as Error).message);
      this.#log.error({ err: error }, "session could not start");
      this.#queue.resume();
      throw error;
    }
    this.#queue.resume();
  }

  /** What the agent offers (modes, models, slash commands) and what is chosen now. */
  get settings(): SessionSettings {
    return this.#settings;
  }

  /** Queues the signal for a turn; `command` is one of the agent's slash commands (`/review args`) it asks for. */
  enqueue(signal: SignalPayload, command: string | null = null): void {
    this.#queue.push({ kind: "signal", signal, command });
    this.#deps.keeper.changed();
    this.#queue.resume();
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

  /** Asks the agent to compact its conversation after the running turn; resolves once done (false: it failed). */
  compact(): Promise<boolean> {
    return new Promise((resolve) => {
      this.#queue.push({ kind: "compact", done: resolve });
      this.#queue.resume();
    });
  }

  /**
   * Ends the session: the running turn is cancelled, queued signals go back to be routed,
   * memory is published, the agent process ends. `removeWorkspace` for a session stopped
   * for good; a runtime shutting down keeps it for the next start.
   */
  async stop(options: { removeWorkspace: boolean }): Promise<void> {
    if (!this.#lifecycle.stop()) return;
    this.#stopped.abort();
    const queued = this.#queue.takeAll();
    for (const work of queued) if (work.kind === "compact") work.done(false);
    this.#deps.signals.giveBack(queued.flatMap((work) => (work.kind === "signal" ? [work.signal] : [])));
    if (this.#turn) this.#cancel("the session stopping");
    await this.#queue.idle;
    await this.#recovering?.catch(() => undefined);
    if (this.#workspace) {
      await this.#deps.memory.publish(this.#workspace, `Memory: ${this.#label()} ended`, `${this.id}:end`);
    }
    await this.#process?.kill();
    this.#process = null;
    this.#closeTools();
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
    await this.#deps.budget.configure(workspace.dailyBudgetUsd);
    await allowChatTools(workspace.dir);
    if (workspace.missing)
      await this.#deps.owner.tell(workspace.missing, `missing:${this.id}:${this.record.startedAt}`);
    const command = agentCommand(config.agentCommand);
    const agent = await AcpProcess.start({
      command: command.command,
      args: command.args,
      cwd: workspace.dir,
      env: agentEnvironment(this.#deps.env, workspace.vars),
      log: log.child({ session: this.id, component: "agent" }),
      handlers: {
        onUpdate: (notification) => {
          // One conversation per agent process: its settings count even before session/new has answered.
          if (this.#settings.apply(notification.update)) this.#deps.keeper.changed();
          if (notification.update.sessionUpdate === "available_commands_update")
            this.#log.info({ commands: notification.update.availableCommands.length }, "agent commands announced");
          if (notification.sessionId === this.record.acpSessionId) this.#turn?.onUpdate(notification.update);
        },
        onPermission: (request, abort) =>
          this.#turn ? this.#turn.onPermission(request, abort) : Promise.resolve({ outcome: { outcome: "cancelled" } }),
      },
    });
    this.#process = agent;
    this.#closeTools();
    this.#tools = this.#deps.tools.open(this);
    const mcpServers = [this.#tools.server];
    const previous = this.record.acpSessionId;
    this.#conversation = "new";
    if (previous && agent.supportsLoad) {
      try {
        this.#settings.opened(await agent.loadSession(previous, workspace.dir, mcpServers));
        this.#conversation = "resumed";
      } catch (error) {
        this.#log.warn({ err: error }, "could not resume the conversation; starting a new one");
      }
    }
    if (this.#conversation === "new") {
      const opened = await agent.newSession(workspace.dir, mcpServers);
      this.record.acpSessionId = opened.sessionId;
      this.#settings.opened(opened);
    }
    await this.#applyChosen(agent, this.record.acpSessionId!);
    this.#log.info(
      { agent: command.label, conversation: this.#conversation, acpSessionId: this.record.acpSessionId },
      "session ready",
    );
    void agent.exited.then((detail) => this.#exited(agent, detail));
  }

  /** Switches the mode or model now (also during a turn); it stays chosen across agent restarts. */
  async switchTo(change: SettingChange): Promise<void> {
    const agent = this.#process;
    const sessionId = this.record.acpSessionId;
    if (!agent?.running || !sessionId) throw new AgentExitedError("it is not running");
    await this.#applyChange(agent, sessionId, change);
    this.record.chosen = { ...this.record.chosen, [change.kind]: change.value };
    this.#deps.keeper.changed();
  }

  async #applyChange(agent: AcpProcess, sessionId: string, change: SettingChange): Promise<void> {
    if (change.via === "set_mode") await agent.setMode(sessionId, change.value);
    else this.#settings.configOptionsChanged(await agent.setConfigOption(sessionId, change.configId, change.value));
    this.#settings.changed(change);
  }

  /** A restarted agent process is given the mode and model people chose again. */
  async #applyChosen(agent: AcpProcess, sessionId: string): Promise<void> {
    for (const kind of ["mode", "model"] as const satisfies SettingKind[]) {
      const wanted = this.record.chosen?.[kind];
      if (!wanted || this.#settings.current(kind) === wanted) continue;
      const resolved = this.#settings.resolve(kind, wanted);
      try {
        if (!resolved.ok) throw new Error(resolved.reason);
        await this.#applyChange(agent, sessionId, resolved.change);
        this.#log.info({ [kind]: wanted }, "chosen setting applied again");
      } catch (error) {
        this.#log.warn({ err: error, [kind]: wanted }, "could not apply the chosen setting again");
      }
    }
  }

  async #run(work: SessionWork): Promise<void> {
    if (work.kind === "compact") {
      work.done(await this.#compactNow());
    } else if (this.#lifecycle.status === "failed") {
      await this.#answerUnavailable(work.signal);
    } else {
      await this.#runTurn(work.signal, work.command ?? null);
    }
  }

  async #runTurn(signal: SignalPayload, command: string | null): Promise<void> {
    const { config, chat, permissions, log } = this.#deps;
    const identity = await this.#deps.identity.get();
    const turnLog = log.child({ session: this.id, signal: signal.id });
    if (!(await this.#admit(signal))) {
      this.#deps.signals.giveBack([signal]);
      return;
    }
    const turn = new Turn({
      signal,
      identity,
      coverage: this.record.projects,
      chat,
      permissions,
      editIntervalMs: config.editIntervalMs,
      log: turnLog,
      prompt: (blocks) => this.#prompt(blocks),
      usage: this.#usage,
      workspace: this.#workspace ?? undefined,
      files: this.#deps.files,
      command,
      retriedIfAgentExits: this.#interrupted.willRunAgain(signal.id),
      attachments: (asked) =>
        attachmentsForTurn(asked, chat, {
          media: this.#deps.media,
          workspace: this.#workspace,
          capabilities: this.#process?.capabilities.promptCapabilities,
          log: turnLog,
        }),
      agentLabel: agentCommand(config.agentCommand).label,
    });
    this.#turn = turn;
    this.#turnStartedAt = new Date().toISOString();
    this.#lifecycle.busy();
    turnLog.info({ from: signal.sender, project: signal.project }, "turn started");
    const outcome = await turn.run();
    turnLog.info(
      outcome.kind === "answered" ? { stopReason: outcome.stopReason } : { error: String(outcome.error) },
      "turn ended",
    );
    this.#turn = null;
    this.#turnStartedAt = null;
    if (this.#interrupted.ended(signal.id, outcome, turn.stopping)) {
      // The recovered session answers it first, in the same message.
      this.#queue.pushFront({ kind: "signal", signal, command });
      turnLog.info("the agent process died during the turn; it runs again once the session is back");
      return;
    }
    if (outcome.usage) {
      await this.#deps.budget.record({
        sessionId: this.id,
        key: `turn:${signal.id}:${randomBytes(4).toString("hex")}`,
        ...outcome.usage,
      });
    }
    if (this.#workspace) {
      await this.#deps.memory.publish(
        this.#workspace,
        `Memory: ${this.#label()} after a turn`,
        `${this.id}:${signal.id}`,
      );
    }
    await this.#deps.signals.done(signal.id);
    if (!this.#lifecycle.idle()) this.#deps.keeper.changed();
  }

  /** Waits while the agent is past its daily cost limit; false when the session stopped meanwhile. */
  async #admit(signal: SignalPayload): Promise<boolean> {
    const admitted = await this.#deps.budget.admit(signal, this.#stopped.signal, () => {
      this.#waitingForBudget = true;
      this.#deps.keeper.changed();
    });
    if (this.#waitingForBudget) {
      this.#waitingForBudget = false;
      this.#deps.keeper.changed();
    }
    return admitted;
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

  async #compactNow(): Promise<boolean> {
    const agent = this.#process;
    const sessionId = this.record.acpSessionId;
    if (!agent?.running || !sessionId) return false;
    try {
      const result = await agent.prompt(sessionId, [{ type: "text", text: "/compact" }]);
      this.#log.info({ stopReason: result.stopReason }, "conversation compacted");
      return true;
    } catch (error) {
      this.#log.warn({ err: error }, "compact failed");
      return false;
    }
  }

  async #answerUnavailable(signal: SignalPayload): Promise<void> {
    const identity = await this.#deps.identity.get();
    await replyNotice(this.#deps.chat, this.#log, signal, {
      body: `⚠️ I can't answer: my session ${this.id} failed to start (${this.#lifecycle.error ?? "unknown error"}). ${identity.ownerUserId} can see why with \`aachat agent logs ${identity.name}\`.`,
      key: `reply:${signal.id}`,
      failure: "could not say the session failed",
    });
    await this.#deps.signals.done(signal.id);
  }

  /** The agent process ended without being asked to: recover the session and say so. */
  #exited(agent: AcpProcess, detail: string): void {
    if (this.#lifecycle.stopping || this.#process !== agent) return;
    this.#log.warn({ detail, stderr: agent.stderrTail() }, "the agent process stopped unexpectedly");
    const duringTurn = this.#turn !== null;
    this.#process = null;
    this.#lifecycle.starting();
    this.#recovering = this.#recover(detail, duringTurn).finally(() => (this.#recovering = null));
  }

  async #recover(detail: string, duringTurn: boolean): Promise<void> {
    await this.#queue.idle; // the interrupted turn finishes first (it says what happened)
    const lifecycle = this.#lifecycle;
    await recoverAgent(
      {
        get stopping() {
          return lifecycle.stopping;
        },
        relaunch: async () => {
          await this.#launch();
          lifecycle.ready();
        },
        recovered: async () => {
          const how =
            this.#conversation === "resumed" ? "its conversation was resumed" : "it starts a new conversation";
          // A death during a turn is told in that turn's own answer.
          if (!duringTurn) {
            await this.#deps.owner.tell(
              `Session ${this.id} (${this.#label()}): the agent process stopped (${detail}) and was restarted; ${how}.`,
              `recovered:${this.id}:${Date.now()}`,
            );
          }
          this.#log.info({ conversation: this.#conversation }, "session recovered");
          this.#queue.resume();
        },
        gaveUp: async (lastError) => {
          lifecycle.failed(
            `the agent process stopped (${detail}) and could not be restarted: ${(lastError as Error).message}`,
          );
          await this.#deps.owner.tell(
            `⚠️ Session ${this.id} (${this.#label()}) failed: ${lifecycle.error}`,
            `failed:${this.id}:${Date.now()}`,
          );
          this.#queue.resume();
        },
      },
      this.#log,
    );
  }

  #label(): string {
    return `session ${this.id} covering ${this.record.projects.map(projectLabel).join(", ")}`;
  }

  #closeTools(): void {
    this.#tools?.close();
    this.#tools = null;
  }
}
