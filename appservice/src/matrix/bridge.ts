import { Bridge, AppServiceRegistration } from "matrix-appservice-bridge";
import { LogService, LogLevel, type ILogger } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "pino";
import type { Registration } from "../registration/schema.ts";

/**
 * The matrix-appservice-bridge instance we use for the client side: the bot and the
 * agents' puppet intents. Transactions are not received through it (see Inbox): its
 * listener answers 200 before events are stored.
 */
export async function createBridge(options: {
  homeserverUrl: string;
  serverName: string;
  registration: Registration;
  log: Logger;
}): Promise<Bridge> {
  routeBotSdkLogs(options.log.child({ module: "matrix-bot-sdk" }));
  const bridge = new Bridge({
    homeserverUrl: options.homeserverUrl,
    domain: options.serverName,
    registration: AppServiceRegistration.fromObject(options.registration),
    controller: { onEvent: () => undefined },
    disableStores: true,
    logRequestOutcome: false,
    suppressEcho: false,
    // The bridge's Intent raises a user's power level before sending when it thinks it
    // is too low; that would undo humans_only. Never let it.
    intentOptions: {
      bot: { dontCheckPowerLevel: true },
      clients: { dontCheckPowerLevel: true },
    },
  });
  await bridge.initialise();
  return bridge;
}

function routeBotSdkLogs(log: Logger): void {
  const format = (module: string, messageOrObject: unknown[]) => ({
    sdkModule: module,
    detail: messageOrObject.map((part) => (part instanceof Error ? part.message : part)),
  });
  // Registering a puppet that already exists is the normal case for ensureRegistered.
  const expected = (rest: unknown[]) =>
    rest.some(
      (part) =>
        (typeof part === "string" && part.includes("User ID is in use")) ||
        (typeof part === "object" && part !== null && (part as { errcode?: unknown }).errcode === "M_USER_IN_USE"),
    );
  const logger: ILogger = {
    info: (module, ...rest) => log.info(format(module, rest)),
    warn: (module, ...rest) => log.warn(format(module, rest)),
    error: (module, ...rest) => (expected(rest) ? log.debug(format(module, rest)) : log.error(format(module, rest))),
    debug: (module, ...rest) => log.debug(format(module, rest)),
    trace: (module, ...rest) => log.trace(format(module, rest)),
  };
  LogService.setLogger(logger);
  LogService.setLevel(LogLevel.WARN);
  LogService.muteModule("Metrics");
}
