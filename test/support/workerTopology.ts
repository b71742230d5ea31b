import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { generateRegistration, writeRegistration } from "@aachat/appservice";
import {
  SYNAPSE_VERSION,
  buildLogConfig,
  defaultVenvDir,
  ensureSynapseConfig,
  ensureSynapseInstalled,
  findFreePort,
  runCommand,
  venvPython,
} from "@aachat/synapse";
import type { TestStackInfo } from "../setup/stackInfo.ts";
import { PostgresServer } from "./postgresServer.ts";
import { killProcess, startProcess, type ProcessSpec } from "./topologyProcess.ts";
import {
  appserviceSender,
  nginxConfig,
  sharedWorkerConfig,
  workerConfig,
  type TopologyPorts,
} from "./workerConfigs.ts";

/** What a test file gets to know about the running topology (plain data). */
export interface WorkerTopologyInfo {
  /** nginx: where clients and the appservice reach the homeserver. */
  url: string;
  /** The main process's own client listener, behind nginx. */
  mainUrl: string;
  /** The Python that runs Synapse here (and the launcher that ties a process's life to its parent). */
  python: string;
  /** Every process by name: redis, main, generic1, generic2, persister1, nginx. */
  processes: Record<string, ProcessSpec>;
  /** The generic worker that sends the appservice's transactions. */
  appserviceSender: string;
  /** The generic workers nginx sends client requests to, and their client ports. */
  clientWorkers: { name: string; port: number }[];
  /** Each Synapse process's own log (main, the workers), by name. */
  synapseLogs: Record<string, string>;
  /** nginx's access log: method, path, status and the upstream that served it. */
  nginxAccessLog: string;
}

export interface WorkerTopology {
  info: WorkerTopologyInfo;
  stack: TestStackInfo;
  postgres: PostgresServer;
  stop(): Promise<void>;
}

/**
 * Synapse split into workers, from Debian and PyPI packages, on loopback: PostgreSQL, Redis,
 * the main process, two client-serving generic workers (the second also sends the
 * appservice's transactions), an event persister, and nginx routing client endpoints to the
 * workers. Starts everything, waits until each answers, and `stop()` ends it all.
 */
export async function startWorkerTopology(log: Logger): Promise<WorkerTopology> {
  const python = await ensureWorkersVenv(log);
  const workDir = await mkdtemp(path.join(tmpdir(), "aachat-workers-"));
  const started: ProcessSpec[] = [];
  let postgres: PostgresServer | undefined;
  const stop = async () => {
    for (const spec of started.reverse()) await killProcess(spec, "SIGTERM");
    await postgres?.stop();
    if (process.env.AACHAT_KEEP_TEST_DIR) process.stderr.write(`worker topology kept in ${workDir}\n`);
    else await rm(workDir, { recursive: true, force: true });
  };
  try {
    postgres = await PostgresServer.start();
    const database = "synapse";
    await postgres.createDatabase(database);
    const port = () => findFreePort();
    const ports: TopologyPorts = {
      nginx: await port(),
      mainClient: await port(),
      mainReplication: await port(),
      redis: await port(),
      postgres: postgres.port,
      clientWorkers: [
        { name: "generic1", port: await port() },
        { name: "generic2", port: await port() },
      ],
      persister: { name: "persister1", port: await port() },
    };
    const serverName = "localhost";
    const appservicePort = await port();
    const registrationFile = path.join(workDir, "registration.yaml");
    await writeRegistration(
      registrationFile,
      generateRegistration({ url: `http://127.0.0.1:${appservicePort}`, serverName }),
    );
    const dataDir = path.join(workDir, "synapse");
    const config = await ensureSynapseConfig(
      python,
      {
        dataDir,
        serverName,
        bindAddress: "127.0.0.1",
        port: ports.mainClient,
        appserviceRegistrationFiles: [registrationFile],
        testMode: true,
      },
      log,
    );
    const sharedFile = path.join(dataDir, "workers-shared.yaml");
    await writeFile(sharedFile, sharedWorkerConfig(ports, database, randomBytes(24).toString("hex")));
    const synapseConfigs = [...config.configPaths, sharedFile];
    const synapseLogOf = (name: string) => path.join(workDir, `${name}.log`);

    const spec = (name: string, command: string, args: string[], health: ProcessSpec["health"]): ProcessSpec => ({
      name,
      command,
      args,
      cwd: dataDir,
      logFile: path.join(workDir, `${name}.out.log`),
      pidFile: path.join(workDir, `${name}.pid`),
      health,
    });
    const synapseWorker = async (worker: { name: string; port: number }, resource: "client" | "replication") => {
      const logConfig = path.join(dataDir, `${worker.name}.log.config`);
      await writeFile(logConfig, buildLogConfig(synapseLogOf(worker.name)));
      const file = path.join(dataDir, `${worker.name}.yaml`);
      await writeFile(file, workerConfig(worker, resource, logConfig));
      const configArgs = [...synapseConfigs, file].flatMap((configPath) => ["--config-path", configPath]);
      return spec(worker.name, python, ["-m", "synapse.app.generic_worker", ...configArgs], {
        url: `http://127.0.0.1:${worker.port}/health`,
      });
    };

    await mkdir(path.join(workDir, "tmp"), { recursive: true });
    const nginxFile = path.join(workDir, "nginx.conf");
    await writeFile(nginxFile, nginxConfig(ports, workDir));
    const processes: Record<string, ProcessSpec> = {
      redis: spec(
        "redis",
        findBinary("redis-server"),
        [
          ...["--port", String(ports.redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
          ...["--dir", workDir, "--daemonize", "no"],
        ],
        { redisPort: ports.redis },
      ),
      main: spec(
        "main",
        python,
        ["-m", "synapse.app.homeserver", ...synapseConfigs.flatMap((configPath) => ["--config-path", configPath])],
        { url: `http://127.0.0.1:${ports.mainClient}/health` },
      ),
      [ports.persister.name]: await synapseWorker(ports.persister, "replication"),
      ...Object.fromEntries(
        await Promise.all(
          ports.clientWorkers.map(async (worker) => [worker.name, await synapseWorker(worker, "client")] as const),
        ),
      ),
      nginx: spec("nginx", findBinary("nginx"), ["-c", nginxFile, "-p", workDir], {
        url: `http://127.0.0.1:${ports.nginx}/_matrix/client/versions`,
      }),
    };

    const launch = async (name: string) => {
      const process = processes[name]!;
      started.push(process);
      await startProcess(process, python);
    };
    await launch("redis");
    // The main process creates and upgrades the database schema; workers refuse an outdated one.
    await launch("main");
    await Promise.all([ports.persister.name, ...ports.clientWorkers.map((worker) => worker.name)].map(launch));
    await launch("nginx");

    const url = `http://127.0.0.1:${ports.nginx}`;
    return {
      info: {
        url,
        mainUrl: `http://127.0.0.1:${ports.mainClient}`,
        python,
        processes,
        appserviceSender: appserviceSender(ports),
        clientWorkers: ports.clientWorkers,
        synapseLogs: Object.fromEntries([
          ["main", config.logPath],
          ...[ports.persister, ...ports.clientWorkers].map((worker) => [worker.name, synapseLogOf(worker.name)]),
        ]),
        nginxAccessLog: path.join(workDir, "nginx-access.log"),
      },
      stack: {
        homeserverUrl: url,
        serverName,
        registrationSharedSecret: config.registrationSharedSecret,
        registrationFile,
        appservicePort,
        workDir,
        synapseLogPath: config.logPath,
      },
      postgres,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A program's absolute path (the launcher execs it without a PATH search); Debian puts nginx in /usr/sbin. */
function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/bin"];
  const found = dirs
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((file) => existsSync(file));
  if (!found)
    throw new Error(
      `${name} is not installed: install Debian's ${name === "nginx" ? "nginx" : "redis-server"} package (.ci/run does)`,
    );
  return found;
}

/**
 * Synapse with its `redis` extra (workers talk through Redis) and psycopg2 (workers need
 * PostgreSQL), in a virtualenv of its own next to the default one, which stays as small as
 * the embedded homeserver needs.
 */
async function ensureWorkersVenv(log: Logger): Promise<string> {
  const venvDir = process.env.AACHAT_SYNAPSE_WORKERS_VENV ?? `${defaultVenvDir()}-workers`;
  const python = venvPython(venvDir);
  const probe = `import synapse, psycopg2, txredisapi, hiredis; assert synapse.__version__ == "${SYNAPSE_VERSION}"`;
  if ((await runCommand(python, ["-c", probe], { timeoutMs: 60_000 }).catch(() => undefined))?.exitCode === 0) {
    return python;
  }
  process.stderr.write(`Installing Synapse ${SYNAPSE_VERSION} with workers' extras into ${venvDir}…\n`);
  await ensureSynapseInstalled({ logger: log, venvDir });
  const extras = await runCommand(
    python,
    ["-m", "pip", "install", "--no-input", "--quiet", `matrix-synapse[redis]==${SYNAPSE_VERSION}`, "psycopg2-binary"],
    { timeoutMs: 600_000 },
  );
  if (extras.exitCode !== 0) {
    throw new Error(`installing Synapse's redis extra and psycopg2 failed:\n${extras.stdout}\n${extras.stderr}`);
  }
  return python;
}
