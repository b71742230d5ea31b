export { CommandError, RequestError, RuntimeAuthError, RuntimeReplacedError } from "./client/errors.ts";
export {
  RuntimeClient,
  type RuntimeClientEvents,
  type RuntimeClientOptions,
  type RuntimeStopped,
} from "./client/RuntimeClient.ts";
export { JOURNAL_FILE, SignalJournal, type SignalJournalOptions } from "./signals/SignalJournal.ts";
export { Runtime, type RuntimeExit, type RuntimeOptions } from "./daemon/Runtime.ts";
export { runtimePaths, runtimesDir, type RuntimePaths } from "./files/paths.ts";
export { readRuntimeConfig, runtimeConfigSchema, RuntimeConfigError } from "./files/config.ts";
export type { RuntimeConfig, RuntimeConfigInput } from "./files/config.ts";
export { controlCall, ControlClosedError, ControlUnavailableError } from "./control/controlClient.ts";
export type { RuntimeStatus } from "./control/controlProtocol.ts";
export { readLastStop, type LastStop } from "./files/lastStop.ts";
export { RUNTIME_VERSION } from "./version.ts";
export { fileDiff, type FileDiff } from "./turns/diffText.ts";
export type { SignalPayload } from "@aachat/protocol";
