import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { parseServerFrame, RUNTIME_CLOSE, RUNTIME_CLOSE_REASON, type ServerFrame } from "@aachat/protocol";
import { uniqueName } from "../support/api.ts";
import { startAppserviceProcess } from "../support/appservice.ts";
import type { CliProcess } from "../support/cli.ts";
import { freshTestDatabase } from "../support/databases.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import { agentInProject, mention, projectScene, type ProjectScene, type SceneAgent } from "../support/projectScene.ts";
import { waitUntil } from "../support/waits.ts";

/** As many requests as the flood that took the appservice from 345 to 962 MiB. */
const FLOOD_REQUESTS = 12_000;
/** Messages in the project room, so that each answer to the flood is some 40 KB. */
const ROOM_MESSAGES = 20;
/** How much the appservice may grow while flooded (unbounded, the flood's answers alone are ~500 MB). */
const MAX_GROWTH_MIB = 150;
/** A generous bound: /health answered in 5.3 s under the flood before. */
const HEALTH_BOUND_MS = 2_000;

type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** A raw runtime connection: frames are kept until awaited. */
class RawRuntime {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const parsed = parseServerFrame(String(data));
      if (parsed.ok) this.frames.push(parsed.frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async connect(url: string, token: string): Promise<RawRuntime> {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const runtime = new RawRuntime(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    await runtime.next("hello", () => true);
    return runtime;
  }

  /** The first frame of this type that matches, waiting for it; it is taken off the list. */
  next<T extends ServerFrame["type"]>(type: T, where: (frame: FrameOf<T>) => boolean): Promise<FrameOf<T>> {
    return waitUntil(`a ${type} frame`, async () => {
      const index = this.frames.findIndex((frame) => frame.type === type && where(frame as FrameOf<T>));
      return index < 0 ? undefined : (this.frames.splice(index, 1)[0] as FrameOf<T>);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

describe("a runtime that floods its socket and reads no answers", () => {
  let appservice: CliProcess;
  let url: string;
  let socketUrl: string;
  let scene: ProjectScene;
  let flooder: SceneAgent;
  let calm: SceneAgent;

  beforeAll(async () => {
    const started = await startAppserviceProcess(await freshTestDatabase("flood"));
    appservice = started.process;
    url = started.url;
    socketUrl = `${url.replace(/^http/, "ws")}/runtime/v1/socket`;
    scene = await projectScene(url);
    flooder = await agentInProject(scene, uniqueName("flooder"));
    calm = await agentInProject(scene, uniqueName("calm"));
  });

  afterAll(async () => {
    stopHumans();
    await appservice?.stop("SIGTERM");
  });

  it("is slowed and then disconnected with its reason, while the appservice stays small and answers everyone else", async () => {
    const pid = appservice.process.pid!;
    const calmRuntime = await RawRuntime.connect(socketUrl, calm.token);
    const messages = (id: string, limit: number) => ({
      v: 1,
      type: "request",
      id,
      method: "room.messages",
      params: { roomId: scene.roomId, limit },
    });
    for (let i = 0; i < ROOM_MESSAGES; i++) {
      await sendContent(scene.alice, scene.roomId, { msgtype: "m.text", body: `${i} ${"log line ".repeat(200)}` });
    }
    await waitUntil("the appservice has logged the room's messages", async () => {
      const id = uniqueName("count");
      calmRuntime.send(messages(id, 100));
      const response = await calmRuntime.next("response", (frame) => frame.id === id);
      return response.ok && (response.result as { messages: unknown[] }).messages.length >= ROOM_MESSAGES;
    });
    const baseline = await rssMiB(pid);

    const flood = await RawRuntime.connect(socketUrl, flooder.token);
    flood.ws.pause(); // it never reads what the appservice answers
    for (let i = 0; i < FLOOD_REQUESTS; i++) flood.send(messages(`f${i}`, 100));

    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssMiB(pid));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      // The HTTP API answers throughout.
      for (let i = 0; i < 5; i++) {
        const before = Date.now();
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
        expect(Date.now() - before).toBeLessThan(HEALTH_BOUND_MS);
      }
      // Another agent's runtime gets its signal and its answers.
      const eventId = await mention(scene, calm, "calm, are you still there?");
      expect((await calmRuntime.next("signal", (frame) => frame.signal.eventId === eventId)).signal.body).toBe(
        "calm, are you still there?",
      );
      calmRuntime.send(messages("calm-1", 1));
      expect(await calmRuntime.next("response", (frame) => frame.id === "calm-1")).toMatchObject({ ok: true });

      // The appservice gives up on the flooder: its runtime shows offline.
      await waitUntil(
        "the flooder's runtime is offline",
        async () => {
          const agent = (await scene.api("GET", `/agents/${flooder.name}`)).body as { runtime: { online: boolean } };
          return !agent.runtime.online;
        },
        60_000,
      );
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(peak - baseline).toBeLessThan(MAX_GROWTH_MIB);

    // Reading at last, the flooder finds only some of its answers, then the documented reason.
    flood.ws.resume();
    expect(await flood.closed).toEqual({ code: RUNTIME_CLOSE.overloaded, reason: RUNTIME_CLOSE_REASON.overloaded });
    const answered = flood.frames.filter((frame) => frame.type === "response").length;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(FLOOD_REQUESTS / 4);

    // The calm runtime was never disturbed.
    calmRuntime.send(messages("calm-2", 1));
    expect(await calmRuntime.next("response", (frame) => frame.id === "calm-2")).toMatchObject({ ok: true });
    calmRuntime.ws.close();
  });
});
