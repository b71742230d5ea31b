import YAML from "yaml";

const ROTATE_AT_BYTES = 10 * 1024 * 1024;

/**
 * Python logging config for Synapse. Unbuffered (unlike Synapse's generated one) so that the lines
 * explaining a failed start are on disk by the time aachat reads them.
 */
export function buildLogConfig(logPath: string): string {
  return YAML.stringify({
    version: 1,
    formatters: {
      precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s" },
    },
    handlers: {
      file: {
        class: "logging.handlers.RotatingFileHandler",
        formatter: "precise",
        filename: logPath,
        maxBytes: ROTATE_AT_BYTES,
        backupCount: 3,
        encoding: "utf8",
      },
    },
    // DEBUG on this logger would write access tokens to the log.
    loggers: { "synapse.storage.SQL": { level: "INFO" } },
    root: { level: "INFO", handlers: ["file"] },
    disable_existing_loggers: false,
  });
}
