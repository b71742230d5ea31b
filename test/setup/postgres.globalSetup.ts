import type { TestProject } from "vitest/node";
import { PostgresServer } from "../support/postgresServer.ts";

/** What the PostgreSQL global setup tells test files: a server whose superuser may create databases. */
export interface TestPostgresInfo {
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  port: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    postgres: TestPostgresInfo;
  }
}

/** Starts one real PostgreSQL server for the run (see PostgresServer). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await PostgresServer.start();
  project.provide("postgres", { adminUrl: server.adminUrl, port: server.port });
  return () => server.stop();
}
