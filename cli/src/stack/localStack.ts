import { readFile, rm } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import { isAachatUp } from "./lock.ts";
import type { StackPaths } from "./paths.ts";

export const DEFAULT_HOMESERVER_URL = "http://127.0.0.1:8008";
export const DEFAULT_SERVER_URL = "http://127.0.0.1:8090";

export interface StackUrls {
  homeserverUrl: string;
  /** The appservice: its HTTP API, the console and the runtime socket. */
  serverUrl: string;
}

/** Written by `aachat up` once it is ready, removed when it stops: the ports of this run, which may differ from the config's. */
export async function recordRunningStack(paths: StackPaths, urls: StackUrls): Promise<void> {
  // Atomic, so a login reading it meanwhile never sees half of it.
  await writeFileAtomic(paths.running, `${JSON.stringify({ pid: process.pid, ...urls })}\n`, { mode: 0o600 });
}

export async function forgetRunningStack(paths: StackPaths): Promise<void> {
  await rm(paths.running, { force: true });
}

/**
 * Where the local embedded stack answers: what the running `aachat up` recorded, else the
 * defaults. (A stack that is not running has nothing to log in to, so its config is not read.)
 */
export async function localStackUrls(paths: StackPaths): Promise<StackUrls> {
  return (await runningStack(paths)) ?? defaults();
}

/** The URLs the running `aachat up` of this data directory recorded; undefined when none runs. */
export async function runningStack(paths: StackPaths): Promise<StackUrls | undefined> {
  const recorded = await readJson(paths.running);
  // The pid must still be an `aachat up`: one killed with -9 leaves the file behind.
  if (!isRecord(recorded) || typeof recorded.pid !== "number" || !(await isAachatUp(recorded.pid))) return undefined;
  return urlsOf(recorded.homeserverUrl, recorded.serverUrl);
}

function urlsOf(homeserverUrl: unknown, serverUrl: unknown): StackUrls | undefined {
  const http = (url: unknown): url is string => typeof url === "string" && /^https?:\/\/[^/]+/.test(url);
  return http(homeserverUrl) && http(serverUrl) ? { homeserverUrl, serverUrl } : undefined;
}

function defaults(): StackUrls {
  return { homeserverUrl: DEFAULT_HOMESERVER_URL, serverUrl: DEFAULT_SERVER_URL };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
