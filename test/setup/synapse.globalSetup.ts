import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { TestProject } from "vitest/node";
import { generateRegistration, writeRegistration } from "@aachat/appservice";
import { ensureSynapseConfig, ensureSynapseInstalled, findFreePort, startSynapse } from "@aachat/synapse";
import type { TestStackInfo } from "./stackInfo.ts";

/** Starts one real Synapse for the whole test run, with an appservice registration for the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "warn" }, pino.destination(2));
  const workDir = await mkdtemp(path.join(tmpdir(), "aachat-test-"));
  const serverName = "localhost";
  const [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
  const registrationFile = path.join(workDir, "registration.yaml");
  await writeRegistration(
    registrationFile,
    generateRegistration({ url: `http://127.0.0.1:${appservicePort}`, serverName }),
  );
  const { python } = await ensureSynapseInstalled({
    logger: log,
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const options = {
    dataDir: path.join(workDir, "synapse"),
    serverName,
    bindAddress: "127.0.0.1",
    port: synapsePort,
    appserviceRegistrationFiles: [registrationFile],
    testMode: true,
  };
  const config = await ensureSynapseConfig(python, options, log);
  const synapse = await startSynapse(python, options, log);
  const info: TestStackInfo = {
    homeserverUrl: synapse.url,
    serverName,
    registrationSharedSecret: config.registrationSharedSecret,
    registrationFile,
    appservicePort,
    workDir,
    synapseLogPath: synapse.logPath,
  };
  project.provide("stack", info);
  return async () => {
    await synapse.stop();
    if (process.env.AACHAT_KEEP_TEST_DIR) process.stderr.write(`test data kept in ${workDir}\n`);
    else await rm(workDir, { recursive: true, force: true });
  };
}
