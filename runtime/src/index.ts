export {
  CLOSE_REPLACED,
  CLOSE_TOKEN_REVOKED,
  CommandError,
  RequestError,
  RuntimeAuthError,
  RuntimeClient,
  RuntimeReplacedError,
  type RuntimeClientEvents,
  type RuntimeClientOptions,
  type RuntimeStopped,
} from "./client/RuntimeClient.ts";
export { JOURNAL_FILE, SignalJournal, type SignalJournalOptions } from "./client/SignalJournal.ts";
export { Runtime, type RuntimeExit, type RuntimeOptions } from "./daemon/Runtime.ts";
export { runtimePaths, runtimesDir, type RuntimePaths } from "./daemon/paths.ts";
export { readRuntimeConfig, runtimeConfigSchema, RuntimeConfigError } from "./daemon/config.ts";
export type { RuntimeConfig, RuntimeConfigInput } from "./daemon/config.ts";
export { controlCall, ControlUnavailableError } from "./daemon/controlClient.ts";
export type { RuntimeStatus } from "./daemon/controlProtocol.ts";
export { readLastStop, type LastStop } from "./daemon/lastStop.ts";
export { RUNTIME_VERSION } from "./version.ts";
export type { SignalPayload } from "@aachat/protocol";
