import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { MAX_FRAME_BYTES, RUNTIME_CLOSE, RUNTIME_CLOSE_REASON, type RuntimeState } from "@aachat/protocol";
import type { RuntimeSocketMetrics } from "../metrics/AppserviceMetrics.ts";
import { agentForRuntimeToken } from "../model/agents.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { AgentRequests } from "./AgentRequests.ts";
import { RuntimeConnection, type ConnectedAgent } from "./RuntimeConnection.ts";
import type { RuntimeRegistry } from "./RuntimeRegistry.ts";
import { noticeReplacement } from "./replacementNotice.ts";
import { bearerToken, rejectUpgrade } from "./upgradeResponses.ts";

export const RUNTIME_SOCKET_PATH = "/runtime/v1/socket";

export interface RuntimeSocketServerOptions {
  model: ModelContext;
  registry: RuntimeRegistry;
  log: Logger;
  /** How often the server pings; a runtime that misses one interval is dropped. */
  heartbeatMs?: number;
  metrics?: RuntimeSocketMetrics;
}

/**
 * The runtime WebSocket on the appservice's own HTTP server. The upgrade request must carry
 * `Authorization: Bearer <runtime token>`; the connection then acts only as that token's agent.
 */
export class RuntimeSocketServer {
  // Frames a little over the protocol limit still get an error frame; far larger ones close the socket.
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_FRAME_BYTES });
  readonly #heartbeat: NodeJS.Timeout;
  #server: Server | undefined;
  #closing = false;
  readonly #requests: AgentRequests;

  constructor(private readonly options: RuntimeSocketServerOptions) {
    this.#requests = new AgentRequests(options.model);
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 30_000);
    this.#heartbeat.unref();
  }

  attach(server: Server): void {
    this.#server = server;
    server.on("upgrade", this.#onUpgrade);
  }

  /** Closes every runtime socket (1001) and stops accepting new ones; call before the HTTP server closes. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    this.#server?.off("upgrade", this.#onUpgrade);
    await Promise.all(
      this.options.registry
        .connections()
        .map((connection) => connection.close(RUNTIME_CLOSE.serverStopping, "appservice shutting down")),
    );
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", (error) => this.options.log.debug({ err: error }, "runtime socket error before upgrade"));
    void this.#handleUpgrade(request, socket, head).catch((error: unknown) => {
      this.options.log.error({ err: error }, "runtime connection failed");
      if (socket.writable) rejectUpgrade(socket, 500, "M_UNKNOWN", "internal error; try again");
      else socket.destroy();
    });
  };

  async #handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { pathname } = new URL(request.url ?? "/", "http://localhost");
    if (pathname !== RUNTIME_SOCKET_PATH) {
      return rejectUpgrade(
        socket,
        404,
        "M_UNRECOGNIZED",
        `no WebSocket at ${pathname}; runtimes connect to ${RUNTIME_SOCKET_PATH}`,
      );
    }
    if (this.#closing)
      return rejectUpgrade(socket, 503, "M_UNKNOWN", "the appservice is shutting down; reconnect later");
    const token = bearerToken(request);
    if (!token) {
      return rejectUpgrade(
        socket,
        401,
        "M_MISSING_TOKEN",
        "send the agent's runtime token as `Authorization: Bearer <token>`",
      );
    }
    const agent = await agentForRuntimeToken(this.options.model, token);
    if (!agent) {
      return rejectUpgrade(
        socket,
        401,
        "M_UNKNOWN_TOKEN",
        "the runtime token is unknown, rotated or revoked; get a new one with `aachat agent token rotate NAME`",
      );
    }
    if (this.#closing)
      return rejectUpgrade(socket, 503, "M_UNKNOWN", "the appservice is shutting down; reconnect later");
    this.#wss.handleUpgrade(request, socket, head, (ws) =>
      this.#accept(ws, {
        id: agent.id,
        name: agent.name,
        userId: agent.userId,
        displayName: agent.displayName,
        ownerUserId: agent.ownerUserId,
        dmRoomId: agent.dmRoomId,
      }),
    );
  }

  #accept(ws: WebSocket, agent: ConnectedAgent): void {
    const { registry, model, log } = this.options;
    const connectionLog = log.child({ agent: agent.name });
    const publish = (online: boolean, state: RuntimeState | null) =>
      model.events.runtime({
        agent: agent.name,
        owner: agent.ownerUserId,
        online,
        connectedAt: online ? connection.connectedAt.toISOString() : null,
        state,
      });
    const { metrics } = this.options;
    const connection = new RuntimeConnection(
      agent,
      ws,
      model.db,
      this.#requests,
      connectionLog,
      (state) => {
        metrics?.runtimeState(agent.id, state);
        if (registry.status(agent.id).online) publish(true, state);
      },
      metrics,
    );
    const older = registry.register(connection);
    ws.on("close", (code) => {
      registry.unregister(connection);
      connectionLog.info({ code }, "runtime disconnected");
      // A newer connection that replaced this one keeps the agent online.
      if (!registry.status(agent.id).online) {
        metrics?.runtimeOffline(agent.id);
        publish(false, null);
      }
    });
    if (older) {
      // Newer wins: a runtime that lost its connection unnoticed must be able to come back.
      connectionLog.info("a newer runtime connection replaces the older one");
      void older.close(RUNTIME_CLOSE.replaced, RUNTIME_CLOSE_REASON.replaced);
      void noticeReplacement(model, older.state, connection, connectionLog);
    }
    connectionLog.info("runtime connected");
    publish(true, null);
    connection.start();
  }

  #beat(): void {
    for (const connection of this.options.registry.connections()) {
      if (!connection.heartbeat()) {
        this.options.log.child({ agent: connection.agent.name }).warn("runtime missed a heartbeat; dropping it");
        connection.terminate();
      }
    }
  }
}
