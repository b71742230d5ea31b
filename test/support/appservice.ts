import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pino from "pino";
import { inject } from "vitest";
import { stringify as stringifyYaml } from "yaml";
import { spawnCli, type CliProcess } from "./cli.ts";
import { freshTestDatabase } from "./databases.ts";
import { waitUntil } from "./waits.ts";
import {
  loadRegistration,
  parseConfig,
  start,
  type AppserviceConfigInput,
  type DatabaseTarget,
  type Registration,
  type RunningAppservice,
} from "@aachat/appservice";

/** An appservice config for the shared homeserver: listening where its registration points. */
function testConfig(database: DatabaseTarget): AppserviceConfigInput {
  const stack = inject("stack");
  return {
    homeserver: { url: stack.homeserverUrl, serverName: stack.serverName },
    appservice: {
      bindAddress: "127.0.0.1",
      port: stack.appservicePort,
      url: `http://127.0.0.1:${stack.appservicePort}`,
      registrationFile: stack.registrationFile,
    },
    database: database.kind === "sqlite" ? { sqliteFile: database.sqliteFile } : { url: database.url },
    logging: { level: "warn", format: "json" },
  };
}

export interface TestAppservice {
  appservice: RunningAppservice;
  registration: Registration;
  /** Its database (SQLite or PostgreSQL, as the run says): start another appservice on it to restart. */
  database: DatabaseTarget;
}

/**
 * Starts the real appservice in this process against the shared homeserver, listening
 * where the homeserver's registration points, with a database of its own.
 */
export async function startTestAppservice(
  options: { database?: DatabaseTarget; registration?: Registration; metrics?: AppserviceConfigInput["metrics"] } = {},
): Promise<TestAppservice> {
  const stack = inject("stack");
  const registration = options.registration ?? (await loadRegistration(stack.registrationFile));
  const database = options.database ?? (await freshTestDatabase());
  const config = parseConfig(
    { ...testConfig(database), metrics: options.metrics },
    path.join(stack.workDir, "test-config.yaml"),
  );
  const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "warn" }, pino.destination(2));
  const appservice = await start({ config, registration, log, pingTimeoutMs: 10_000 });
  return { appservice, registration, database };
}

/**
 * The real appservice as its own process (`aachat appservice -c FILE`), for tests that
 * kill it. Resolves once it answers /health; `restart()` starts it again on the same database.
 */
export async function startAppserviceProcess(
  database: DatabaseTarget,
): Promise<{ url: string; process: CliProcess; restart(): Promise<CliProcess> }> {
  const stack = inject("stack");
  const configFile = path.join(stack.workDir, `appservice-${randomBytes(4).toString("hex")}.yaml`);
  await writeFile(configFile, stringifyYaml(testConfig(database)));
  const url = `http://127.0.0.1:${stack.appservicePort}`;
  const launch = async () => {
    const child = spawnCli(["appservice", "-c", configFile]);
    await waitUntil(
      "the appservice process answers /health",
      async () => {
        if (child.process.exitCode !== null) throw new Error(`appservice exited: ${child.stderr()}`);
        return fetch(`${url}/health`).then(
          (response) => response.ok,
          () => false,
        );
      },
      30_000,
    );
    return child;
  };
  return { url, process: await launch(), restart: launch };
}
