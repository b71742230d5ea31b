export {
  CLOSE_REPLACED,
  CLOSE_TOKEN_REVOKED,
  RuntimeAuthError,
  RuntimeClient,
  RuntimeReplacedError,
  type RuntimeClientEvents,
  type RuntimeClientOptions,
  type RuntimeStopped,
} from "./RuntimeClient.ts";
export { PROCESSED_SIGNALS_FILE, ProcessedSignals, type ProcessedSignalsOptions } from "./ProcessedSignals.ts";
export type { SignalPayload } from "../../appservice/src/protocol/frames.ts";
