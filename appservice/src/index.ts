export { start, type RunningAppservice, type StartOptions } from "./start.ts";
export { loadConfigFile, parseConfig } from "./config/load.ts";
export { ConfigError } from "./config/ConfigError.ts";
export type { AppserviceConfig, AppserviceConfigInput } from "./config/schema.ts";
export { createLogger, type LogFormat } from "./logging/logger.ts";
export {
  generateRegistration,
  loadRegistration,
  writeRegistration,
  APPSERVICE_ID,
  BOT_LOCALPART,
} from "./registration/registration.ts";
export type { Registration } from "./registration/schema.ts";
export { placeholdersIn, REGISTRATION_TEMPLATE_FILE } from "./registration/template.ts";
export { HomeserverPingError } from "./matrix/ping.ts";
export { PortInUseError } from "./http/server.ts";
export { MigrationError } from "./db/migrations.ts";
export { openDatabase, type Db } from "./db/database.ts";
export { sqliteDriverProblem } from "./db/openSqlite.ts";
export { describeTarget } from "./db/target.ts";
export type { DatabaseTarget } from "./config/schema.ts";
export * from "./matrix/ids.ts";
export { DomainError, type DomainErrorCode } from "./errors/DomainError.ts";
export { sendAsAgent } from "./model/agentMessages.ts";
export { copySqliteToPostgres, CopyRefusedError, type CopyReport } from "./db/copySqliteToPostgres.ts";
// The model's steps a running appservice takes on its own, for tests that drive them directly.
export { reconcile } from "./model/reconcile.ts";
export { linkInSpace } from "./model/rooms.ts";
export { agentForRuntimeToken } from "./model/agents.ts";
