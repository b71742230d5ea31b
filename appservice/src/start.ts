import type { Server } from "node:http";
import { consoleRouter } from "@aachat/admin-ui/server";
import type { Logger } from "pino";
import { ConfigError } from "./config/ConfigError.ts";
import type { AppserviceConfig } from "./config/schema.ts";
import { openDatabase, type Db } from "./db/database.ts";
import { EventStreams } from "./api/events.ts";
import { apiRouter } from "./api/router.ts";
import { BotInviteHandler } from "./handlers/BotInviteHandler.ts";
import { MentionHandler } from "./handlers/MentionHandler.ts";
import { PowerLevelGuard } from "./handlers/PowerLevelGuard.ts";
import { ReactionHandler } from "./handlers/ReactionHandler.ts";
import { RoomLogHandler } from "./handlers/RoomLogHandler.ts";
import { MatrixApi } from "./matrix/MatrixApi.ts";
import { OutboundQueue } from "./matrix/OutboundQueue.ts";
import { Puppets } from "./matrix/Puppets.ts";
import { createModelContext, type ModelContext } from "./model/ModelContext.ts";
import { reconcile } from "./model/reconcile.ts";
import { appserviceRoutes } from "./http/appserviceRoutes.ts";
import { boundPort, closeServer, createApp, errorHandler, listen } from "./http/server.ts";
import { catchUpMissedEvents } from "./inbox/catchUp.ts";
import { coalesced, SenderWatch } from "./inbox/SenderWatch.ts";
import { Inbox } from "./inbox/Inbox.ts";
import { AppserviceMetrics } from "./metrics/AppserviceMetrics.ts";
import { httpMetrics } from "./metrics/httpMetrics.ts";
import { metricsDisabled, metricsRoute } from "./metrics/metricsRoute.ts";
import { agentNamespaceRegex, userId, type UserId } from "./matrix/ids.ts";
import { pingHomeserver } from "./matrix/ping.ts";
import type { Registration } from "./registration/schema.ts";
import { RuntimeSocketServer } from "./runtimeSocket/RuntimeSocketServer.ts";
import { RuntimeRegistry } from "./runtimeSocket/RuntimeRegistry.ts";
import { mediaDownloadRoute } from "./runtimeSocket/mediaDownload.ts";
import { RUNTIME_MEDIA_DOWNLOAD_PATH } from "@aachat/protocol";
import { mediaUploadRoute } from "./runtimeSocket/mediaUpload.ts";
import { RUNTIME_MEDIA_UPLOAD_PATH } from "@aachat/protocol";

export interface StartOptions {
  config: AppserviceConfig;
  registration: Registration;
  log: Logger;
  /** How long to wait for the homeserver to answer the start-up ping. */
  pingTimeoutMs?: number;
}

export interface RunningAppservice {
  /** Where the HTTP server listens (the real port when configured with 0). */
  readonly url: string;
  readonly botUserId: UserId;
  readonly db: Db;
  /** The aachat model as the running appservice uses it (tests drive it directly too). */
  readonly model: ModelContext;
  /**
   * Reads back the recent events Synapse never sent (see catchUpMissedEvents): done at start,
   * and to be called once a restarted homeserver answers again. The same coalesced run serves
   * the SenderWatch, so two triggers never read back at once. Failures are logged, not thrown.
   */
  catchUp(): Promise<void>;
  /** Stops taking requests, finishes the event being processed, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the appservice from an already-validated config and registration. Everything
 * started so far is stopped again if a later step fails, so nothing is left half-up.
 */
export async function start(options: StartOptions): Promise<RunningAppservice> {
  const { config, registration, log } = options;
  checkRegistrationFits(config, registration);
  const botUserId = userId(registration.sender_localpart, config.homeserver.serverName);
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => log.warn({ err: error }, "clean-up failed"));
  };
  try {
    const db = await openDatabase(config.database, log.child({ module: "db" }));
    cleanups.push(() => db.$disconnect());

    const metrics = new AppserviceMetrics();

    const matrix = new MatrixApi(
      config.homeserver.url,
      registration.as_token,
      botUserId,
      log.child({ module: "matrix" }),
    );
    const outbound = new OutboundQueue(db, matrix, log.child({ module: "outbound" }), (outcome) =>
      metrics.outboundSend(outcome),
    );
    cleanups.push(() => outbound.close());
    const registry = new RuntimeRegistry();
    const model = createModelContext({
      db,
      matrix,
      outbound,
      puppets: new Puppets(matrix),
      runtimes: registry,
      serverName: config.homeserver.serverName,
      botUserId,
      log: log.child({ module: "model" }),
      settings: { maxMentionHops: config.agents.maxMentionHops },
    });
    const inbox = new Inbox(
      db,
      [
        new BotInviteHandler(model),
        new PowerLevelGuard(model),
        new RoomLogHandler(model),
        new MentionHandler(model, registry.signalsStored),
        new ReactionHandler(model, registry.signalsStored),
      ],
      log.child({ module: "inbox" }),
      metrics,
    );
    cleanups.push(() => inbox.close());

    const app = createApp();
    app.use(httpMetrics((...request) => metrics.httpRequest(...request)));
    const metricsSources = { db, runtimesConnected: () => registry.connections().length };
    app.get(
      "/metrics",
      config.metrics.enabled ? metricsRoute(metrics, metricsSources, config.metrics) : metricsDisabled,
    );
    let lastPingReceived: string | undefined;
    const senderWatch = new SenderWatch();
    app.use(
      "/_matrix/app/v1",
      appserviceRoutes({
        hsToken: registration.hs_token,
        inbox,
        log: log.child({ module: "transactions" }),
        metrics,
        senderWatch,
        onPing: (transactionId) => {
          log.debug({ transactionId }, "homeserver answered ping");
          lastPingReceived = transactionId;
        },
      }),
    );
    app.use(
      RUNTIME_MEDIA_UPLOAD_PATH,
      mediaUploadRoute({ model, asToken: registration.as_token, log: log.child({ module: "media" }) }),
    );
    app.use(
      RUNTIME_MEDIA_DOWNLOAD_PATH,
      mediaDownloadRoute({ model, asToken: registration.as_token, log: log.child({ module: "media" }) }),
    );
    const eventStreams = new EventStreams(model, log.child({ module: "events" }));
    app.use(
      "/api/v1",
      apiRouter(
        model,
        registration,
        config.homeserver.url,
        config.appservice.url,
        log.child({ module: "api" }),
        eventStreams,
      ),
    );
    app.use(
      "/",
      consoleRouter({
        homeserverUrl: config.homeserver.publicUrl ?? config.homeserver.url,
        serverName: config.homeserver.serverName,
      }),
    );
    app.use(errorHandler(log));
    const server: Server = await listen(app, config.appservice.bindAddress, config.appservice.port);
    cleanups.push(() => closeServer(server));
    // Pushed after the server, so it runs before it: open event streams would keep server.close() waiting.
    cleanups.push(() => eventStreams.close());
    const runtimeSockets = new RuntimeSocketServer({ model, registry, log: log.child({ module: "runtime" }), metrics });
    runtimeSockets.attach(server);
    // Pushed after the server, so it runs before it: open runtime sockets would keep server.close() waiting.
    cleanups.push(() => runtimeSockets.close());
    const url = `http://${config.appservice.bindAddress}:${boundPort(server)}`;
    log.info({ url }, "appservice listening");

    const { durationMs } = await pingHomeserver({
      homeserverUrl: config.homeserver.url,
      appserviceId: registration.id,
      asToken: registration.as_token,
      log,
      timeoutMs: options.pingTimeoutMs,
      reachedUs: (transactionId) => transactionId === lastPingReceived,
    });
    log.info({ homeserver: config.homeserver.url, durationMs }, "homeserver ping succeeded");

    const repaired = await reconcile(model);
    log.info(repaired, "reconciled the homeserver with the database");
    await outbound.resume();
    const catchUpLog = log.child({ module: "catch-up" });
    const catchUpNow = () => catchUpMissedEvents({ db, matrix, inbox, botUserId, log: catchUpLog });
    // Before any trigger is wired: a failure here fails the start.
    await catchUpNow();
    const catchUp = coalesced(() =>
      catchUpNow().catch((error: unknown) => catchUpLog.warn({ err: error }, "could not read back the recent events")),
    );
    senderWatch.whenGone(() => {
      catchUpLog.warn("the homeserver's transaction sender went away; reading back the recent events");
      void catchUp();
    });
    // Events stored before a crash or stop and not yet processed are handled now.
    await inbox.wake();

    let closing: Promise<void> | undefined;
    return {
      url,
      botUserId,
      db,
      model,
      catchUp,
      close: () => {
        closing ??= cleanUp().then(() => log.info("appservice stopped"));
        return closing;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function checkRegistrationFits(config: AppserviceConfig, registration: Registration): void {
  const expected = agentNamespaceRegex(config.homeserver.serverName);
  const users = registration.namespaces.users ?? [];
  if (!users.some((namespace) => namespace.exclusive && namespace.regex === expected)) {
    throw new ConfigError(
      config.appservice.registrationFile,
      "namespaces.users",
      `must hold the exclusive agent namespace ${JSON.stringify(expected)} for server ${config.homeserver.serverName}; regenerate it with \`aachat registration\``,
    );
  }
}
