import { randomBytes } from "node:crypto";
import path from "node:path";
import pino from "pino";
import { inject } from "vitest";
import { loadRegistration, parseConfig, start, type Registration, type RunningAppservice } from "@aachat/appservice";

export interface TestAppservice {
  appservice: RunningAppservice;
  registration: Registration;
  sqliteFile: string;
}

/**
 * Starts the real appservice in this process against the shared homeserver, listening
 * where the homeserver's registration points, with a database of its own.
 */
export async function startTestAppservice(
  options: { sqliteFile?: string; registration?: Registration } = {},
): Promise<TestAppservice> {
  const stack = inject("stack");
  const registration = options.registration ?? (await loadRegistration(stack.registrationFile));
  const sqliteFile = options.sqliteFile ?? path.join(stack.workDir, `appservice-${randomBytes(4).toString("hex")}.db`);
  const config = parseConfig(
    {
      homeserver: { url: stack.homeserverUrl, serverName: stack.serverName },
      appservice: {
        bindAddress: "127.0.0.1",
        port: stack.appservicePort,
        url: `http://127.0.0.1:${stack.appservicePort}`,
        registrationFile: stack.registrationFile,
      },
      database: { sqliteFile },
      logging: { level: "warn", format: "json" },
    },
    path.join(stack.workDir, "test-config.yaml"),
  );
  const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "warn" }, pino.destination(2));
  const appservice = await start({ config, registration, log, pingTimeoutMs: 10_000 });
  return { appservice, registration, sqliteFile };
}
