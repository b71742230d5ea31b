import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignalPayload } from "../../appservice/src/protocol/frames.ts";
import { uniqueName, type Api } from "../../test/support/api.ts";
import { startTestAppservice, type TestAppservice } from "../../test/support/appservice.ts";
import { stopHumans } from "../../test/support/humans.ts";
import {
  agentInProject,
  mention as mentionIn,
  projectScene,
  type ProjectScene,
  type SceneAgent,
} from "../../test/support/projectScene.ts";
import { DEFAULT_WAIT_MS, waitUntil } from "../../test/support/waits.ts";
import {
  PROCESSED_SIGNALS_FILE,
  RuntimeAuthError,
  RuntimeClient,
  RuntimeReplacedError,
  type RuntimeClientOptions,
  type RuntimeStopped,
} from "../src/index.ts";

type Agent = SceneAgent;

/** A RuntimeClient and what it reported, for tests to wait on. */
interface Observed {
  client: RuntimeClient;
  calls: SignalPayload[];
  connected: number;
  disconnected: number;
  processed: { signalId: string; replayed: boolean; acked: boolean }[];
  stopped: RuntimeStopped | null;
}

const logger = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));

function withTimeout<T>(promise: Promise<T>, description: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("the runtime client against the real appservice", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let api: Api;
  const stateDirs: string[] = [];
  const clients: RuntimeClient[] = [];

  const serverUrl = () => running.appservice.url.replace(/^http/, "ws");
  const newStateDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aachat-runtime-"));
    stateDirs.push(dir);
    return dir;
  };

  const makeAgent = (prefix: string, inProject = true): Promise<Agent> =>
    agentInProject(scene, uniqueName(prefix), { inProject });
  const mention = (agent: Agent, body: string) => mentionIn(scene, agent, body);
  const pendingOf = async (agent: Agent) =>
    (await api("GET", `/agents/${agent.name}/signals`)).body as unknown as { id: string; eventId: string }[];

  function observe(
    agent: Agent,
    stateDir: string,
    extra: Partial<RuntimeClientOptions> = {},
    onSignal?: (signal: SignalPayload) => Promise<void>,
  ): Observed {
    const observed: Observed = {
      client: undefined as unknown as RuntimeClient,
      calls: [],
      connected: 0,
      disconnected: 0,
      processed: [],
      stopped: null,
    };
    const client = new RuntimeClient({
      serverUrl: serverUrl(),
      token: agent.token,
      stateDir,
      logger,
      backoff: { initialMs: 50, maxMs: 500 },
      onSignal:
        onSignal ??
        (async (signal) => {
          observed.calls.push(signal);
        }),
      ...extra,
    });
    client.on("connected", () => observed.connected++);
    client.on("disconnected", () => observed.disconnected++);
    client.on("signal-processed", (event) => observed.processed.push(event));
    void client.stopped.then((stopped) => (observed.stopped = stopped));
    observed.client = client;
    clients.push(client);
    return observed;
  }

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    api = scene.api;
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.stop()));
    stopHumans();
    await running?.appservice.close();
    await Promise.all(stateDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("hands a mention to onSignal once and acknowledges it", async () => {
    const agent = await makeAgent("reviewer");
    const stateDir = await newStateDir();
    const runtime = observe(agent, stateDir);
    await runtime.client.start();
    await waitUntil("the runtime is connected", async () => runtime.connected === 1);
    expect(runtime.client.agent).toEqual({ name: agent.name, userId: agent.userId });

    const eventId = await mention(agent, "reviewer, please look at the diff");
    await waitUntil("the signal is processed", async () => runtime.processed.length === 1);
    expect(runtime.calls).toHaveLength(1);
    expect(runtime.calls[0]).toMatchObject({
      eventId,
      roomId: scene.roomId,
      team: scene.slug,
      project: "site",
      sender: scene.alice.userId,
    });
    expect(runtime.processed[0]).toEqual({ signalId: runtime.calls[0]!.id, replayed: false, acked: true });
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);

    await runtime.client.stop();
    expect(runtime.stopped).toEqual({ reason: "requested", error: null });
    // The state directory holds the id and nothing else: no message text, no token.
    expect(await readFile(path.join(stateDir, PROCESSED_SIGNALS_FILE), "utf8")).toBe(`${runtime.calls[0]!.id}\n`);
    expect(runtime.calls).toHaveLength(1);
  });

  it("processes a signal exactly once across a crash between processing and ack", async () => {
    const agent = await makeAgent("crasher");
    const stateDir = await newStateDir();
    let stoppingFirst: Promise<void> | undefined;
    // The first runtime "crashes" after the signal is processed and recorded, before its ack.
    const first = observe(agent, stateDir, {
      beforeAck: () => {
        stoppingFirst = first.client.stop();
      },
    });
    await first.client.start();
    await waitUntil("the first runtime is connected", async () => first.connected === 1);
    const eventId = await mention(agent, "crasher, do the thing once");
    await waitUntil("the first runtime processed the signal", async () => first.processed.length === 1);
    await withTimeout(stoppingFirst!, "the first runtime to stop");
    expect(first.calls.map((signal) => signal.eventId)).toEqual([eventId]);
    expect(first.processed[0]!.acked).toBe(false);
    const signalId = first.calls[0]!.id;
    expect((await pendingOf(agent)).map((signal) => signal.id)).toEqual([signalId]);

    const second = observe(agent, stateDir);
    await second.client.start();
    await waitUntil("the replayed signal is acknowledged", async () => second.processed.length === 1);
    expect(second.processed[0]).toEqual({ signalId, replayed: true, acked: true });
    expect(second.calls).toEqual([]);
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);
    await second.client.stop();
    expect(first.calls).toHaveLength(1);
  });

  it("stops with RuntimeAuthError when its token is refused at connect", async () => {
    const agent = await makeAgent("revoked", false);
    expect((await api("DELETE", `/agents/${agent.name}/token`)).status).toBeLessThan(300);
    const runtime = observe(agent, await newStateDir());
    await runtime.client.start();
    const stopped = await withTimeout(runtime.client.stopped, "the runtime to stop");
    expect(stopped.reason).toBe("auth");
    expect(stopped.error).toBeInstanceOf(RuntimeAuthError);
    expect(stopped.error!.message).toContain("aachat agent token rotate");
    expect(runtime.connected).toBe(0);
  });

  it("stops with RuntimeAuthError when its token is revoked while connected", async () => {
    const agent = await makeAgent("revoking", false);
    const runtime = observe(agent, await newStateDir());
    await runtime.client.start();
    await waitUntil("the runtime is connected", async () => runtime.connected === 1);
    await api("DELETE", `/agents/${agent.name}/token`);
    const stopped = await withTimeout(runtime.client.stopped, "the runtime to stop");
    expect(stopped.reason).toBe("auth");
    expect(stopped.error).toBeInstanceOf(RuntimeAuthError);
    expect(stopped.error!.message).toContain(`aachat agent token rotate ${agent.name}`);
    expect(runtime.connected).toBe(1);
  });

  it("stops when a newer runtime of the same agent takes over", async () => {
    const agent = await makeAgent("twin", false);
    const older = observe(agent, await newStateDir());
    await older.client.start();
    await waitUntil("the older runtime is connected", async () => older.connected === 1);
    const newer = observe(agent, await newStateDir());
    await newer.client.start();
    const stopped = await withTimeout(older.client.stopped, "the older runtime to stop");
    expect(stopped.reason).toBe("replaced");
    expect(stopped.error).toBeInstanceOf(RuntimeReplacedError);
    expect(stopped.error!.message).toContain("another runtime");
    await waitUntil("the newer runtime is connected", async () => newer.connected === 1);
    expect(newer.stopped).toBeNull();
    await newer.client.stop();
  });

  it("reconnects by itself when the appservice restarts, and keeps processing", async () => {
    const agent = await makeAgent("steady");
    const runtime = observe(agent, await newStateDir());
    await runtime.client.start();
    await waitUntil("the runtime is connected", async () => runtime.connected === 1);

    await running.appservice.close();
    await waitUntil("the runtime noticed", async () => runtime.disconnected === 1);
    running = await startTestAppservice({ sqliteFile: running.sqliteFile, registration: running.registration });
    await waitUntil("the runtime reconnected", async () => runtime.connected === 2, 30_000);

    const eventId = await mention(agent, "steady, still there?");
    await waitUntil("the new signal is processed", async () => runtime.processed.length === 1, 30_000);
    expect(runtime.calls.map((signal) => signal.eventId)).toEqual([eventId]);
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);
    expect(runtime.stopped).toBeNull();
    await runtime.client.stop();
  });
});
