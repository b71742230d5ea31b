import pino from "pino";
import type { TestProject } from "vitest/node";
import { startWorkerTopology, type WorkerTopologyInfo } from "../support/workerTopology.ts";
import type { TestPostgresInfo } from "./postgres.globalSetup.ts";
import "./stackInfo.ts";

declare module "vitest" {
  export interface ProvidedContext {
    workerTopology: WorkerTopologyInfo;
  }
}

/**
 * Starts Synapse with workers behind nginx (see startWorkerTopology) for the workers' test
 * run, and tells the test files it is the homeserver: the shared helpers then reach it
 * through nginx, and the appservice keeps its database on the same PostgreSQL server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "warn" }, pino.destination(2));
  const started = Date.now();
  const topology = await startWorkerTopology(log);
  process.stderr.write(
    `worker topology up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${topology.info.url}\n`,
  );
  project.provide("stack", topology.stack);
  const postgres: TestPostgresInfo = { adminUrl: topology.postgres.adminUrl, port: topology.postgres.port };
  project.provide("postgres", postgres);
  project.provide("workerTopology", topology.info);
  return () => topology.stop();
}
