import { hostname } from "node:os";
import type { CommandFrame, RuntimeState, SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import { CommandError, RuntimeReplacedError } from "../client/errors.ts";
import { RuntimeClient, type RuntimeStopped } from "../client/RuntimeClient.ts";
import { SignalJournal } from "../signals/SignalJournal.ts";
import { OwnerDm } from "../chat/OwnerChannel.ts";
import { ChatTools } from "../mcp/ChatTools.ts";
import { ChatToolsHost } from "../mcp/ChatToolsHost.ts";
import { MediaUploads } from "../chat/MediaUploads.ts";
import { MediaDownloads } from "../chat/MediaDownloads.ts";
import { MemorySync } from "../memory/MemorySync.ts";
import { PermissionBroker } from "../permissions/PermissionBroker.ts";
import { SessionManager } from "../sessions/SessionManager.ts";
import { SessionStore } from "../sessions/SessionStore.ts";
import { RUNTIME_VERSION } from "../version.ts";
import { IdentityHolder } from "../client/AgentIdentity.ts";
import type { RuntimeConfig } from "../files/config.ts";
import type { ControlRequest, ControlResponse, RuntimeStatus } from "../control/controlProtocol.ts";
import { ControlServer } from "../control/ControlServer.ts";
import { clearLastStop, writeLastStop } from "../files/lastStop.ts";
import { tailLines } from "../files/logTail.ts";
import type { RuntimePaths } from "../files/paths.ts";
import { SignalRouter } from "../signals/SignalRouter.ts";
import { BudgetGate } from "../usage/BudgetGate.ts";

export interface RuntimeOptions {
  paths: RuntimePaths;
  config: RuntimeConfig;
  /** The agent's runtime token. Never logged. */
  token: string;
  log: Logger;
  /** The owner's environment, for the agent processes (Claude Code finds its login there). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Test seams for the connection's timing. */
  client?: { backoff?: { initialMs: number; maxMs: number }; heartbeat?: { intervalMs: number; timeoutMs: number } };
}

export interface RuntimeExit {
  /** "stopped": the owner stopped it; "shutdown": a signal to end; otherwise why it gave up. */
  reason: "stopped" | "shutdown" | RuntimeStopped["reason"];
  error: Error | null;
}

/**
 * One agent's runtime: its connection to the appservice, its durable journal of signals,
 * its sessions (each an ACP agent process) and the control socket the CLI and the chat
 * tools use. Everything the agent does in chat goes through the connection, as the agent.
 */
export class Runtime {
  readonly #options: RuntimeOptions;
  readonly #log: Logger;
  readonly #startedAt = new Date().toISOString();
  readonly #identity = new IdentityHolder();
  #control!: ControlServer;
  #journal!: SignalJournal;
  #client!: RuntimeClient;
  #sessions!: SessionManager;
  #router!: SignalRouter;
  #chatTools!: ChatToolsHost;
  #budget!: BudgetGate;
  #routing: Promise<void> = Promise.resolve();
  #problem: string | null = null;
  /** Set when another runtime with this agent's token replaced this one. */
  #displaced: { at: string } | null = null;
  #stopping: Promise<void> | null = null;
  #resolveExit: (exit: RuntimeExit) => void = () => undefined;
  /** Resolves when the runtime has stopped, with why. */
  readonly exited = new Promise<RuntimeExit>((resolve) => (this.#resolveExit = resolve));

  private constructor(options: RuntimeOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Takes the agent's lock, opens the journal, connects and brings back the sessions of the last run. */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    const runtime = new Runtime(options);
    await runtime.#start();
    return runtime;
  }

  async #start(): Promise<void> {
    const { paths, config, log } = this.#options;
    this.#control = await ControlServer.listen(
      paths.socket,
      config.agent,
      (request) => this.#handleControl(request),
      log,
    );
    this.#journal = await SignalJournal.open(paths.dir);
    await clearLastStop(paths);
    this.#client = new RuntimeClient({
      serverUrl: config.serverUrl,
      token: this.#options.token,
      logger: log,
      onSignal: (signal) => this.#take(signal),
      onCommand: (command) => this.#command(command),
      state: () => this.#state(),
      ...this.#options.client,
    });
    this.#client.on("connected", (hello) => {
      if (hello.agent.name !== config.agent) {
        // The token belongs to another agent: acting on this agent's repository as that one would be wrong.
        this.#problem = `the runtime token in ${paths.token} belongs to agent ${hello.agent.name}, not ${config.agent}; run \`aachat agent token rotate ${config.agent}\``;
        log.error(this.#problem);
        void this.#stop("shutdown", { reason: "auth", error: new Error(this.#problem) });
        return;
      }
      this.#identity.set(hello.agent);
      this.#problem = null;
    });
    this.#client.on("stopped", (stopped) => {
      if (stopped.error instanceof RuntimeReplacedError) this.#displaced = { at: stopped.error.at };
      if (stopped.reason !== "requested") {
        this.#problem = stopped.error?.message ?? stopped.reason;
        void this.#stop("shutdown", { reason: stopped.reason, error: stopped.error });
      }
    });
    const permissions = new PermissionBroker(this.#client, {
      timeoutMs: config.permissionTimeoutMs,
      editIntervalMs: config.editIntervalMs,
    });
    const identity = this.#identity;
    const owner = new OwnerDm(this.#client, identity);
    this.#budget = new BudgetGate({
      chat: this.#client,
      identity,
      questionFile: paths.budgetQuestion,
      log: log.child({ component: "budget" }),
    });
    const files = new MediaUploads(config.serverUrl, this.#options.token, this.#client);
    this.#chatTools = new ChatToolsHost(paths.socket, new ChatTools(this.#client, identity, files));
    this.#sessions = new SessionManager({
      store: new SessionStore(paths.sessions),
      onChange: () => this.#client.stateChanged(),
      deps: {
        config,
        env: this.#options.env ?? process.env,
        identity,
        chat: this.#client,
        files,
        media: new MediaDownloads(config.serverUrl, this.#options.token),
        permissions,
        memory: new MemorySync(owner, log),
        owner,
        log,
        tools: this.#chatTools,
        budget: this.#budget,
        signals: {
          done: (signalId) => this.#journal.done(signalId),
          giveBack: (signals) => {
            for (const signal of signals) this.#enqueueRoute(() => this.#router.deliver(signal));
          },
        },
      },
    });
    const ready = this.#sessions.restore();
    this.#router = new SignalRouter({
      journal: this.#journal,
      sessions: this.#sessions,
      permissions,
      budget: this.#budget,
      chat: this.#client,
      identity,
      ready,
      log: log.child({ component: "router" }),
    });
    // Signals taken over before a crash or stop and not finished are processed again.
    for (const signal of this.#journal.pending()) this.#enqueueRoute(() => this.#router.route(signal));
    this.#client.start();
    log.info({ agent: config.agent, pid: process.pid, version: RUNTIME_VERSION }, "runtime started");
  }

  /** Stops for good (every session ended) or shuts down (sessions kept for the next start). */
  stop(mode: "stop" | "shutdown"): Promise<void> {
    return this.#stop(mode, { reason: mode === "stop" ? "stopped" : "shutdown", error: null });
  }

  #stop(mode: "stop" | "shutdown", exit: RuntimeExit): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log.info({ mode }, "runtime stopping");
      try {
        if (mode === "stop") await this.#sessions.stopAll();
        else await this.#sessions.shutdown();
      } catch (error) {
        this.#log.error({ err: error }, "stopping the sessions failed");
      }
      this.#budget.close();
      await this.#client.stop();
      await this.#routing;
      await this.#journal.close();
      // Recorded while the control socket still answers, so `aachat agent status` always finds one or the other.
      await this.#recordStop(exit);
      await this.#control.close();
      this.#log.info({ mode }, "runtime stopped");
      this.#resolveExit(exit);
    })();
    return this.#stopping;
  }

  /** Leaves why the runtime gave up where `aachat agent status` finds it after the process is gone. */
  async #recordStop(exit: RuntimeExit): Promise<void> {
    if (exit.reason !== "replaced" && exit.reason !== "auth") return;
    const stop = {
      reason: exit.reason === "replaced" ? ("displaced" as const) : ("auth" as const),
      at: this.#displaced?.at ?? new Date().toISOString(),
      message: exit.error?.message ?? exit.reason,
    };
    await writeLastStop(this.#options.paths, stop).catch((error: unknown) =>
      this.#log.error({ err: error }, "could not record why the runtime stopped"),
    );
  }

  status(): RuntimeStatus {
    return {
      agent: this.#options.config.agent,
      pid: process.pid,
      version: RUNTIME_VERSION,
      startedAt: this.#startedAt,
      connected: this.#client.connected,
      problem: this.#problem,
      displaced: this.#displaced,
      sessions: this.#sessions.states(),
      memory: memoryMb(),
    };
  }

  async #take(signal: SignalPayload): Promise<void> {
    if (await this.#journal.take(signal)) this.#enqueueRoute(() => this.#router.route(signal));
  }

  /** Signals are routed one after another, in the order they were taken. */
  #enqueueRoute(route: () => Promise<void>): void {
    this.#routing = this.#routing
      .then(route)
      .catch((error: unknown) =>
        this.#log.error({ err: error }, "routing a signal failed; it is retried at the next start"),
      );
  }

  async #command(frame: CommandFrame): Promise<unknown> {
    if (this.#stopping) throw new CommandError({ code: "unavailable", message: "the runtime is stopping" });
    switch (frame.name) {
      case "session.start":
        return this.#sessions.start(frame.params.projects);
      case "session.stop":
        await this.#sessions.stop(frame.params.sessionId);
        return {};
      case "session.restart":
        return { session: await this.#sessions.restart(frame.params.sessionId) };
      case "session.compact":
        await this.#sessions.compact(frame.params.sessionId);
        return {};
      case "budget.changed":
        this.#budget.changed(frame.params.usage);
        return {};
      case "logs.tail":
        return { lines: await tailLines(this.#options.paths.log, frame.params.lines) };
    }
  }

  async #handleControl(request: ControlRequest): Promise<ControlResponse> {
    switch (request.op) {
      case "status":
        return { ok: true, status: this.status() };
      case "stop":
      case "shutdown":
        setImmediate(() => void this.stop(request.op));
        return { ok: true, stopped: true };
      case "tool":
        return this.#chatTools.run(request.key, request.tool, request.args);
    }
  }

  #state(): RuntimeState {
    return {
      version: RUNTIME_VERSION,
      pid: process.pid,
      hostname: hostname(),
      startedAt: this.#startedAt,
      sessions: this.#sessions?.states() ?? [],
    };
  }
}

function memoryMb(): RuntimeStatus["memory"] {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
  return { rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external) };
}
