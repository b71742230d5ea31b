/**
 * What the CLI needs of the runtime on this machine without loading the runtime itself:
 * where its files are, its config schema, its control socket, the program to start, and
 * whether Claude Code has credentials.
 */
import { requiredAachatFile } from "@aachat/protocol/installLayout";

export { runtimePaths, runtimesDir, type RuntimePaths } from "./files/paths.ts";
export { runtimeConfigSchema, type RuntimeConfig, type RuntimeConfigInput } from "./files/config.ts";
export { controlCall, ControlClosedError, ControlUnavailableError } from "./control/controlClient.ts";
export type { RuntimeStatus } from "./control/controlProtocol.ts";

/** The runtime program: `node RUNTIME_BIN AGENT_NAME`. */
export const RUNTIME_BIN = requiredAachatFile("runtimeBin");
export { tailLines } from "./files/logTail.ts";
export { readLastStop, type LastStop } from "./files/lastStop.ts";
export { claudeAuth, CLAUDE_SIGN_IN_ADVICE, type ClaudeAuth } from "./acp/claudeAuth.ts";
