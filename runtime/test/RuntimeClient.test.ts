import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignalPayload } from "@aachat/protocol";
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
  RuntimeAuthError,
  RuntimeClient,
  RuntimeReplacedError,
  SignalJournal,
  type RuntimeClientOptions,
  type RuntimeStopped,
} from "../src/index.ts";

type Agent = SceneAgent;

/** A RuntimeClient with a journal, and what it reported, for tests to wait on. */
interface Observed {
  client: RuntimeClient;
  journal: SignalJournal;
  /** Signals taken over for the first time (what the runtime would process). */
  calls: SignalPayload[];
  connected: number;
  disconnected: number;
  taken: { signalId: string; acked: boolean }[];
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

  async function observe(agent: Agent, stateDir: string, extra: Partial<RuntimeClientOptions> = {}): Promise<Observed> {
    const journal = await SignalJournal.open(stateDir);
    const observed: Observed = {
      client: undefined as unknown as RuntimeClient,
      journal,
      calls: [],
      connected: 0,
      disconnected: 0,
      taken: [],
      stopped: null,
    };
    const client = new RuntimeClient({
      serverUrl: serverUrl(),
      token: agent.token,
      logger,
      backoff: { initialMs: 50, maxMs: 500 },
      onSignal: async (signal) => {
        if (await journal.take(signal)) observed.calls.push(signal);
      },
      ...extra,
    });
    client.on("connected", () => observed.connected++);
    client.on("disconnected", () => observed.disconnected++);
    client.on("signal-taken", (event) => observed.taken.push(event));
    client.on("stopped", () => void journal.close());
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

  it("hands a mention to onSignal, journals it, and acknowledges it", async () => {
    const agent = await makeAgent("reviewer");
    const stateDir = await newStateDir();
    const runtime = await observe(agent, stateDir);
    runtime.client.start();
    await waitUntil("the runtime is connected", async () => runtime.connected === 1);
    expect(runtime.client.agent).toMatchObject({
      name: agent.name,
      userId: agent.userId,
      ownerUserId: scene.alice.userId,
    });

    const eventId = await mention(agent, "reviewer, please look at the diff");
    await waitUntil("the signal is taken over", async () => runtime.taken.length === 1);
    expect(runtime.calls).toHaveLength(1);
    expect(runtime.calls[0]).toMatchObject({
      kind: "mention",
      eventId,
      roomId: scene.roomId,
      team: scene.slug,
      project: "site",
      sender: scene.alice.userId,
      senderCanControl: true,
    });
    expect(runtime.taken[0]).toEqual({ signalId: runtime.calls[0]!.id, acked: true });
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);
    expect(runtime.journal.pending().map((signal) => signal.id)).toEqual([runtime.calls[0]!.id]);

    await runtime.client.stop();
    expect(runtime.stopped).toEqual({ reason: "requested", error: null });
    // A restarted runtime finds the signal it took over and has not finished.
    const reopened = await SignalJournal.open(stateDir);
    expect(reopened.pending().map((signal) => signal.eventId)).toEqual([eventId]);
    await reopened.close();
  });

  it("takes a signal over exactly once across a crash between journal and ack", async () => {
    const agent = await makeAgent("crasher");
    const stateDir = await newStateDir();
    let stoppingFirst: Promise<void> | undefined;
    // The first runtime "crashes" after the signal is journaled, before its ack.
    const first = await observe(agent, stateDir, {
      beforeAck: () => {
        stoppingFirst = first.client.stop();
      },
    });
    first.client.start();
    await waitUntil("the first runtime is connected", async () => first.connected === 1);
    const eventId = await mention(agent, "crasher, do the thing once");
    await waitUntil("the first runtime took the signal", async () => first.taken.length === 1);
    await withTimeout(stoppingFirst!, "the first runtime to stop");
    expect(first.calls.map((signal) => signal.eventId)).toEqual([eventId]);
    expect(first.taken[0]!.acked).toBe(false);
    const signalId = first.calls[0]!.id;
    expect((await pendingOf(agent)).map((signal) => signal.id)).toEqual([signalId]);

    const second = await observe(agent, stateDir);
    second.client.start();
    await waitUntil("the replayed signal is acknowledged", async () => second.taken.length === 1);
    expect(second.taken[0]).toEqual({ signalId, acked: true });
    // Recognised from the journal: not handed on a second time.
    expect(second.calls).toEqual([]);
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);
    await second.client.stop();
    expect(first.calls).toHaveLength(1);
  });

  it("stops with RuntimeAuthError when its token is refused at connect", async () => {
    const agent = await makeAgent("revoked", false);
    expect((await api("DELETE", `/agents/${agent.name}/token`)).status).toBeLessThan(300);
    const runtime = await observe(agent, await newStateDir());
    runtime.client.start();
    const stopped = await withTimeout(runtime.client.stopped, "the runtime to stop");
    expect(stopped.reason).toBe("auth");
    expect(stopped.error).toBeInstanceOf(RuntimeAuthError);
    expect(stopped.error!.message).toContain("aachat agent token rotate");
    expect(runtime.connected).toBe(0);
  });

  it("stops with RuntimeAuthError when its token is revoked while connected", async () => {
    const agent = await makeAgent("revoking", false);
    const runtime = await observe(agent, await newStateDir());
    runtime.client.start();
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
    const older = await observe(agent, await newStateDir());
    older.client.start();
    await waitUntil("the older runtime is connected", async () => older.connected === 1);
    const newer = await observe(agent, await newStateDir());
    newer.client.start();
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
    const runtime = await observe(agent, await newStateDir());
    runtime.client.start();
    await waitUntil("the runtime is connected", async () => runtime.connected === 1);

    await running.appservice.close();
    await waitUntil("the runtime noticed", async () => runtime.disconnected === 1);
    running = await startTestAppservice({ database: running.database, registration: running.registration });
    await waitUntil("the runtime reconnected", async () => runtime.connected === 2, 30_000);

    const eventId = await mention(agent, "steady, still there?");
    await waitUntil("the new signal is taken over", async () => runtime.taken.length === 1, 30_000);
    expect(runtime.calls.map((signal) => signal.eventId)).toEqual([eventId]);
    await waitUntil("no signal is pending", async () => (await pendingOf(agent)).length === 0);
    expect(runtime.stopped).toBeNull();
    await runtime.client.stop();
  });
});
