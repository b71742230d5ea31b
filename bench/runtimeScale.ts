import { randomBytes } from "node:crypto";
import pino, { type Logger } from "pino";
import { z } from "zod";
import { RuntimeClient } from "@aachat/runtime";
import { jsonRequest, registerHuman, type Human } from "./matrix.ts";
import { readRss } from "./proc.ts";
import type { Stack } from "./stack.ts";

const REGISTER_CONCURRENCY = 4;
const CONNECT_TIMEOUT_MS = 120_000;

export interface RuntimeScaleOptions {
  stack: Stack;
  log: Logger;
  runtimes: number;
}

export interface RuntimeScaleResult {
  runtimes: number;
  registerSeconds: number;
  connectSeconds: number;
  /** The appservice process (VmRSS) with the agents registered and none connected, then with all connected. */
  appserviceBeforeMb: number;
  appserviceConnectedMb: number;
  /** (connected - before) / runtimes. */
  perRuntimeKb: number;
}

export type RuntimeScaleOutcome =
  ({ status: "ok" } & RuntimeScaleResult) | { status: "failed" | "skipped"; reason: string };

/**
 * Registers `runtimes` agents and connects one runtime client each (the runtime's own
 * RuntimeClient, in this process, each reporting a session in its state), then reads the
 * appservice's memory with all of them connected.
 */
export async function runRuntimeScale(options: RuntimeScaleOptions): Promise<RuntimeScaleResult> {
  const { stack, log } = options;
  const owner = await registerHuman(stack, "bench-fleet");
  const registerStarted = performance.now();
  const tokens = await registerAgents(stack, owner, options.runtimes);
  const registerSeconds = (performance.now() - registerStarted) / 1000;
  log.info({ agents: tokens.length, seconds: registerSeconds.toFixed(1) }, "runtime scale: agents registered");

  const appserviceBeforeMb = readRss(stack.appservicePid).rssMb;
  const quiet = pino({ level: "silent" });
  const clients = tokens.map(
    (token, index) =>
      new RuntimeClient({
        serverUrl: stack.appserviceUrl,
        token,
        logger: quiet,
        onSignal: async () => undefined,
        state: () => ({
          version: "bench",
          pid: process.pid,
          hostname: "bench",
          startedAt: new Date().toISOString(),
          sessions: [
            {
              id: `s${index}`,
              projects: [{ id: 1, team: "fleet", name: "site", roomId: "!fleet:localhost" }],
              status: "ready",
              agent: "scripted-agent",
              conversation: "new",
              startedAt: new Date().toISOString(),
              turn: null,
              queued: 0,
              error: null,
            },
          ],
        }),
      }),
  );
  const connectStarted = performance.now();
  try {
    await stack.whileAppserviceRuns(
      Promise.all(
        clients.map(
          (client) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error("a runtime did not connect in time")),
                CONNECT_TIMEOUT_MS,
              );
              client.once("connected", () => {
                clearTimeout(timer);
                resolve();
              });
              client.start();
            }),
        ),
      ),
    );
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const online = await countOnline(stack, owner);
    if (online !== clients.length) throw new Error(`only ${online} of ${clients.length} runtimes show as online`);
    const appserviceConnectedMb = readRss(stack.appservicePid).rssMb;
    return {
      runtimes: clients.length,
      registerSeconds,
      connectSeconds,
      appserviceBeforeMb,
      appserviceConnectedMb,
      perRuntimeKb: ((appserviceConnectedMb - appserviceBeforeMb) * 1024) / clients.length,
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
  }
}

async function registerAgents(stack: Stack, owner: Human, count: number): Promise<string[]> {
  const created = z.object({ runtimeToken: z.string() });
  const suffix = randomBytes(3).toString("hex");
  const tokens: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const body = await jsonRequest(stack.appserviceUrl, owner.accessToken, "POST", "/api/v1/agents", {
        name: `fleet-${suffix}-${index}`,
      });
      tokens.push(created.parse(body).runtimeToken);
    }
  };
  await stack.whileAppserviceRuns(Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker)));
  return tokens;
}

async function countOnline(stack: Stack, owner: Human): Promise<number> {
  const agents = z
    .array(z.object({ runtime: z.object({ online: z.boolean() }) }))
    .parse(await jsonRequest(stack.appserviceUrl, owner.accessToken, "GET", "/api/v1/agents"));
  return agents.filter((agent) => agent.runtime.online).length;
}
