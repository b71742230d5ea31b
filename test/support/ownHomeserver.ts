import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import {
  generateRegistration,
  loadRegistration,
  parseConfig,
  start,
  writeRegistration,
  type DatabaseTarget,
  type Registration,
  type RunningAppservice,
} from "@aachat/appservice";
import {
  ensureSynapseConfig,
  ensureSynapseInstalled,
  findFreePort,
  startSynapse,
  type RunningSynapse,
  type SynapseConfigOptions,
} from "@aachat/synapse";

/**
 * A Synapse of the test file's own, with its own appservice registration, for tests that
 * kill the homeserver (the shared one serves every other file and must stay up).
 */
export interface OwnHomeserver {
  readonly url: string;
  readonly serverName: string;
  readonly registrationSharedSecret: string;
  readonly registration: Registration;
  /** SIGKILL: no clean shutdown, whatever Synapse held only in memory is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /**
   * Starts the real appservice in this process against this homeserver, on the given
   * database; `homeserverUrl` puts something (a proxy) between them.
   */
  startAppservice(database: DatabaseTarget, options?: { homeserverUrl?: string }): Promise<RunningAppservice>;
  /** Stops Synapse and removes its data. */
  dispose(): Promise<void>;
}

export async function startOwnHomeserver(): Promise<OwnHomeserver> {
  const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "warn" }, pino.destination(2));
  const workDir = await mkdtemp(path.join(tmpdir(), "aachat-own-hs-"));
  const serverName = "localhost";
  const [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
  const registrationFile = path.join(workDir, "registration.yaml");
  await writeRegistration(
    registrationFile,
    generateRegistration({ url: `http://127.0.0.1:${appservicePort}`, serverName }),
  );
  const registration = await loadRegistration(registrationFile);
  const { python } = await ensureSynapseInstalled({ logger: log });
  const options: SynapseConfigOptions = {
    dataDir: path.join(workDir, "synapse"),
    serverName,
    bindAddress: "127.0.0.1",
    port: synapsePort,
    appserviceRegistrationFiles: [registrationFile],
    testMode: true,
  };
  const config = await ensureSynapseConfig(python, options, log);
  let synapse: RunningSynapse | undefined = await startSynapse(python, options, log);
  const url = synapse.url;

  return {
    url,
    serverName,
    registrationSharedSecret: config.registrationSharedSecret,
    registration,
    async kill() {
      if (!synapse) return;
      const { pid, exited } = synapse;
      synapse = undefined;
      process.kill(pid, "SIGKILL");
      await exited;
    },
    async start() {
      if (synapse) throw new Error("the homeserver is already running");
      synapse = await startSynapse(python, options, log);
    },
    async startAppservice(database, options = {}) {
      const appserviceConfig = parseConfig(
        {
          homeserver: { url: options.homeserverUrl ?? url, serverName },
          appservice: {
            bindAddress: "127.0.0.1",
            port: appservicePort,
            url: `http://127.0.0.1:${appservicePort}`,
            registrationFile,
          },
          database: database.kind === "sqlite" ? { sqliteFile: database.sqliteFile } : { url: database.url },
          logging: { level: "warn", format: "json" },
        },
        path.join(workDir, "appservice.yaml"),
      );
      return start({ config: appserviceConfig, registration, log, pingTimeoutMs: 30_000 });
    },
    async dispose() {
      await synapse?.stop();
      synapse = undefined;
      if (process.env.AACHAT_KEEP_TEST_DIR) process.stderr.write(`own homeserver kept in ${workDir}\n`);
      else await rm(workDir, { recursive: true, force: true });
    },
  };
}
