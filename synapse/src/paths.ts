import path from "node:path";

/** Where everything lives inside a Synapse data directory. */
export function synapsePaths(dataDir: string) {
  const dir = path.resolve(dataDir);
  return {
    dataDir: dir,
    homeserverYaml: path.join(dir, "homeserver.yaml"),
    overridesYaml: path.join(dir, "aachat-overrides.yaml"),
    logConfig: path.join(dir, "log.config"),
    logPath: path.join(dir, "homeserver.log"),
    stdoutLog: path.join(dir, "synapse.stdout.log"),
    database: path.join(dir, "homeserver.db"),
    mediaStore: path.join(dir, "media_store"),
    // Synapse writes its own pid_file only when daemonizing, so aachat keeps one to name leftover processes.
    pidFile: path.join(dir, "aachat-synapse.pid"),
  };
}

/** The URL clients use for a listener; wildcard binds are reached through loopback. */
export function homeserverUrl(bindAddress: string, port: number): string {
  let host = bindAddress;
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  else if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  return `http://${host}:${port}`;
}
