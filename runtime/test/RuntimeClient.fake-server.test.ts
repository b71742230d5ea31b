import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { RUNTIME_CLOSE, RUNTIME_CLOSE_REASON } from "@aachat/protocol";
import { waitUntil } from "../../test/support/waits.ts";
import { RuntimeClient } from "../src/index.ts";

const logger = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));

/** A stand-in appservice that misbehaves on purpose: bad frames, no pongs. */
describe("the runtime client against a misbehaving server", () => {
  let wss: WebSocketServer;
  let stateDir: string;
  const sockets: WebSocket[] = [];
  const received: string[] = [];
  const authorizations: (string | undefined)[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), "aachat-runtime-"));
    wss = new WebSocketServer({ port: 0, host: "127.0.0.1", path: "/runtime/v1/socket" });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    wss.on("connection", (ws, request) => {
      sockets.push(ws);
      authorizations.push(request.headers.authorization);
      // Text frames arrive as one Buffer (the default binaryType, "nodebuffer").
      ws.on("message", (data) => received.push((data as Buffer).toString("utf8")));
      for (const bad of ["{not json", '{"v":2,"type":"hello"}', '{"v":1,"type":"dance"}', '{"v":1,"type":"signal"}']) {
        ws.send(bad);
      }
      ws.send(
        JSON.stringify({
          v: 1,
          type: "hello",
          agent: {
            name: "fake",
            userId: "@fake:test",
            displayName: "Fake",
            ownerUserId: "@owner:test",
            dmRoomId: "!dm:test",
          },
          serverTime: new Date().toISOString(),
        }),
      );
    });
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await rm(stateDir, { recursive: true, force: true });
  });

  it("ignores invalid frames, pings, and reconnects when no pong comes back", async () => {
    const port = (wss.address() as AddressInfo).port;
    const client = new RuntimeClient({
      serverUrl: `ws://127.0.0.1:${port}`,
      token: "aart_secret",
      logger,
      onSignal: async () => undefined,
      backoff: { initialMs: 20, maxMs: 100 },
      heartbeat: { intervalMs: 50, timeoutMs: 100 },
    });
    let connected = 0;
    let disconnected = 0;
    client.on("connected", () => connected++);
    client.on("disconnected", () => disconnected++);
    client.start();
    await waitUntil("the client reconnected after a missed pong", async () => connected >= 2);
    expect(disconnected).toBeGreaterThanOrEqual(1);
    expect(authorizations[0]).toBe("Bearer aart_secret");
    const ping = JSON.parse(received[0]!) as { v: number; type: string; id: string };
    expect(ping).toMatchObject({ v: 1, type: "ping" });
    await client.stop();
    expect(await client.stopped).toEqual({ reason: "requested", error: null });
  });

  it("reconnects after the appservice disconnects it as overloaded, instead of stopping", async () => {
    const port = (wss.address() as AddressInfo).port;
    const client = new RuntimeClient({
      serverUrl: `ws://127.0.0.1:${port}`,
      token: "aart_secret",
      logger,
      onSignal: async () => undefined,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    let connected = 0;
    const closes: { code: number; reason: string }[] = [];
    client.on("connected", () => connected++);
    client.on("disconnected", (close) => closes.push(close));
    client.start();
    await waitUntil("the client is connected", async () => connected === 1);
    sockets[0]!.close(RUNTIME_CLOSE.overloaded, RUNTIME_CLOSE_REASON.overloaded);
    await waitUntil("the client reconnected", async () => connected === 2);
    expect(closes).toEqual([{ code: RUNTIME_CLOSE.overloaded, reason: RUNTIME_CLOSE_REASON.overloaded }]);
    await client.stop();
    expect(await client.stopped).toEqual({ reason: "requested", error: null });
  });
});
