import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { parseServerFrame, type ServerFrame } from "@aachat/protocol";
import { uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import {
  agentInProject,
  mention as mentionIn,
  projectScene,
  type ProjectScene,
  type SceneAgent,
} from "../support/projectScene.ts";
import { DEFAULT_WAIT_MS, waitUntil } from "../support/waits.ts";

type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** A runtime's side of the socket, as a test drives it: frames are queued until awaited. */
class TestRuntime {
  readonly #frames: ServerFrame[] = [];
  #wake: () => void = () => undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const parsed = parseServerFrame(String(data));
      if (!parsed.ok) throw new Error(`the server sent a bad frame: ${parsed.error.message}`);
      this.#frames.push(parsed.frame);
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static connect(url: string, token: string): Promise<TestRuntime> {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const runtime = new TestRuntime(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(runtime));
      ws.once("error", reject);
      ws.once("unexpected-response", (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      );
    });
  }

  /** The next frame of this type, skipping frames of other types. */
  async next<T extends ServerFrame["type"]>(type: T, timeoutMs = DEFAULT_WAIT_MS): Promise<FrameOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame?.type === type) return frame as FrameOf<T>;
      if (frame) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a ${type} frame`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** The HTTP status an upgrade is refused with (fails if it is accepted). */
function refusedStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_request, response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("error", reject);
  });
}

interface PendingSignal {
  id: string;
  eventId: string;
}

describe("the runtime WebSocket", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let api: Api;
  let socketUrl: string;
  let reviewer: SceneAgent;
  let builder: SceneAgent;
  /** Signals of the reviewer the tests below share, in the order they were made. */
  const reviewerSignals: { id: string; eventId: string }[] = [];

  const connect = (agent: { token: string }) => TestRuntime.connect(socketUrl, agent.token);
  const mention = (agent: { userId: string }, body: string) => mentionIn(scene, agent, body);
  const pendingOf = async (agent: { name: string }) =>
    (await api("GET", `/agents/${agent.name}/signals`)).body as unknown as PendingSignal[];
  const storedSignal = (agent: { name: string }, eventId: string) =>
    waitUntil(`the signal for ${eventId} is stored`, async () =>
      (await pendingOf(agent)).find((signal) => signal.eventId === eventId),
    );

  beforeAll(async () => {
    running = await startTestAppservice();
    socketUrl = `${running.appservice.url.replace(/^http/, "ws")}/runtime/v1/socket`;
    scene = await projectScene(running.appservice.url);
    api = scene.api;
    reviewer = await agentInProject(scene, uniqueName("reviewer"));
    builder = await agentInProject(scene, uniqueName("builder"));
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("says hello as the token's agent, then pushes a mention as it is stored", async () => {
    const runtime = await connect(reviewer);
    expect(await runtime.next("hello")).toMatchObject({
      v: 1,
      agent: { name: reviewer.name, userId: reviewer.userId },
    });
    const eventId = await mention(reviewer, "reviewer, please look at the diff");
    const { signal } = await runtime.next("signal");
    expect(signal).toMatchObject({
      eventId,
      roomId: scene.roomId,
      team: scene.slug,
      project: "site",
      sender: scene.alice.userId,
      body: "reviewer, please look at the diff",
      threadRootId: null,
    });
    reviewerSignals.push(signal);
    await runtime.close();
  });

  it("replays every unacknowledged signal in order on the next connection, until it is acknowledged", async () => {
    const eventId = await mention(reviewer, "reviewer, and this one too");
    reviewerSignals.push(await storedSignal(reviewer, eventId));
    const [first, second] = reviewerSignals;

    const runtime = await connect(reviewer);
    await runtime.next("hello");
    expect((await runtime.next("signal")).signal.id).toBe(first!.id);
    expect((await runtime.next("signal")).signal.id).toBe(second!.id);
    runtime.send({ v: 1, type: "ack", signalId: first!.id });
    await waitUntil("the first signal is acknowledged", async () =>
      (await pendingOf(reviewer)).every((signal) => signal.id !== first!.id),
    );
    await runtime.close();

    const again = await connect(reviewer);
    await again.next("hello");
    // Had the acknowledged signal been replayed, it would come first.
    expect((await again.next("signal")).signal.id).toBe(second!.id);
    await again.close();
  });

  it("answers bad frames with an error and keeps the connection usable", async () => {
    const runtime = await connect(reviewer);
    await runtime.next("hello");
    runtime.send("{not json");
    expect(await runtime.next("error")).toMatchObject({ code: "not_json", frameId: null });
    runtime.send({ v: 1, type: "ack", id: "a1" });
    const missing = await runtime.next("error");
    expect(missing).toMatchObject({ code: "invalid_frame", frameId: "a1" });
    expect(missing.message).toContain("signalId");
    runtime.send({ v: 1, type: "dance" });
    expect(await runtime.next("error")).toMatchObject({ code: "unknown_type" });
    runtime.send({ v: 1, type: "ping", padding: "x".repeat(70 * 1024) });
    expect(await runtime.next("error")).toMatchObject({ code: "too_large" });
    runtime.send({ v: 1, type: "ping", id: "p1" });
    expect(await runtime.next("pong")).toEqual({ v: 1, type: "pong", id: "p1" });
    await runtime.close();
  });

  it("refuses another agent's signal id and leaves that signal pending", async () => {
    const eventId = await mention(builder, "builder, ship it");
    const buildersSignal = await storedSignal(builder, eventId);
    const runtime = await connect(reviewer);
    await runtime.next("hello");
    runtime.send({ v: 1, type: "ack", id: "cross", signalId: buildersSignal.id });
    expect(await runtime.next("error")).toMatchObject({ code: "unknown_signal", frameId: "cross" });
    runtime.send({ v: 1, type: "ack", id: "made-up", signalId: "sig_does_not_exist" });
    expect(await runtime.next("error")).toMatchObject({ code: "unknown_signal", frameId: "made-up" });
    expect((await pendingOf(builder)).map((signal) => signal.id)).toContain(buildersSignal.id);
    await runtime.close();
  });

  it("refuses the upgrade with 401 for a missing, unknown or revoked token", async () => {
    expect(await refusedStatus(socketUrl, {})).toBe(401);
    expect(await refusedStatus(socketUrl, { authorization: "Bearer aart_not-a-real-token" })).toBe(401);
    const revoked = uniqueName("revoked");
    const { runtimeToken } = (await api("POST", "/agents", { name: revoked })).body as { runtimeToken: string };
    expect((await api("DELETE", `/agents/${revoked}/token`)).status).toBeLessThan(300);
    expect(await refusedStatus(socketUrl, { authorization: `Bearer ${runtimeToken}` })).toBe(401);
  });

  it("ends a connection at once when its token is rotated or revoked", async () => {
    const name = uniqueName("rotating");
    const { runtimeToken } = (await api("POST", "/agents", { name })).body as { runtimeToken: string };
    const first = await connect({ token: runtimeToken });
    await first.next("hello");
    const { runtimeToken: rotated } = (await api("POST", `/agents/${name}/token`)).body as { runtimeToken: string };
    expect(await first.closed).toEqual({ code: 4001, reason: "runtime token rotated" });
    const second = await connect({ token: rotated });
    await second.next("hello");
    await api("DELETE", `/agents/${name}/token`);
    expect(await second.closed).toEqual({ code: 4001, reason: "runtime token revoked" });
  });

  it("lets a newer connection of the same agent replace the older one", async () => {
    const older = await connect(reviewer);
    await older.next("hello");
    const newer = await connect(reviewer);
    await newer.next("hello");
    expect(await older.closed).toEqual({
      code: 4000,
      reason: "replaced by a newer connection with this agent's token",
    });
    newer.send({ v: 1, type: "ping", id: "still-here" });
    expect(await newer.next("pong")).toMatchObject({ id: "still-here" });
    await newer.close();
  });

  it("shows connected runtimes and unacknowledged signals to Prometheus at /metrics", async () => {
    const scrape = async () => {
      const response = await fetch(`${running.appservice.url}/metrics`);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const metric = async (name: string) => {
      const value = (await scrape()).match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1];
      return value === undefined ? undefined : Number(value);
    };
    await waitUntil("no runtime is connected", async () => (await metric("aachat_runtimes_connected")) === 0);
    const pendingBefore = (await metric("aachat_signals_pending"))!;
    expect(await scrape()).toContain("process_resident_memory_bytes");

    const runtime = await connect(builder);
    await runtime.next("hello");
    expect(await metric("aachat_runtimes_connected")).toBe(1);
    const eventId = await mention(builder, "builder, you are being counted");
    // Signals left unacknowledged by the tests above come first.
    let signal = (await runtime.next("signal")).signal;
    while (signal.eventId !== eventId) signal = (await runtime.next("signal")).signal;
    expect(await metric("aachat_signals_pending")).toBe(pendingBefore + 1);
    runtime.send({ v: 1, type: "ack", signalId: signal.id });
    await waitUntil("the acknowledged signal is no longer counted", async () =>
      (await metric("aachat_signals_pending")) === pendingBefore ? true : undefined,
    );
    await runtime.close();
    await waitUntil("the closed runtime is no longer counted", async () =>
      (await metric("aachat_runtimes_connected")) === 0 ? true : undefined,
    );
  });

  it("closes runtime sockets with 1001 when the appservice stops", async () => {
    const runtime = await connect(reviewer);
    await runtime.next("hello");
    await running.appservice.close();
    expect((await runtime.closed).code).toBe(1001);
  });
});
