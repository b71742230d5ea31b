import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, stopHumans, type Human } from "../support/humans.ts";
import { SseClient } from "../support/sse.ts";

function connectRuntime(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/runtime/v1/socket`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function closeRuntime(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once("close", () => resolve());
    ws.close();
  });
}

describe("the live event stream", () => {
  let running: TestAppservice;
  let url: string;
  let alice: Human;
  let bob: Human;
  let aliceApi: Api;
  let bobApi: Api;
  const clients: SseClient[] = [];
  const open = async (human: Human) => {
    const client = await SseClient.open(url, human.accessToken);
    clients.push(client);
    return client;
  };
  const register = async (api: Api, name: string) =>
    ((await api("POST", "/agents", { name })).body as { runtimeToken: string }).runtimeToken;

  beforeAll(async () => {
    running = await startTestAppservice();
    url = running.appservice.url;
    alice = await createHuman("alice");
    bob = await createHuman("bob");
    aliceApi = apiAs(alice, url);
    bobApi = apiAs(bob, url);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    stopHumans();
    await running?.appservice.close();
  });

  it("refuses a request without a token", async () => {
    const response = await fetch(`${url}/api/v1/events`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("streams text/event-stream, telling when the caller's agent's runtime connects, reports its sessions and disconnects", async () => {
    const stream = await open(alice);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const name = uniqueName("watcher");
    const token = await register(aliceApi, name);
    await stream.next((event) => event.event === "changed" && event.data.scope === "agents");

    const ws = await connectRuntime(url, token);
    const online = await stream.next((event) => event.event === "agent-runtime");
    expect(online.data).toMatchObject({ agent: name, online: true });
    const agent = (await aliceApi("GET", `/agents/${name}`)).body as { runtime: unknown };
    expect(agent.runtime).toEqual({ online: true, connectedAt: online.data.connectedAt, state: null });

    const state = {
      version: "9.9.9",
      pid: 4242,
      hostname: "laptop",
      startedAt: new Date().toISOString(),
      sessions: [
        {
          id: "s1",
          projects: [{ id: 1, team: "acme", name: "site", roomId: "!r:localhost" }],
          status: "ready",
          agent: "claude-agent-acp",
          conversation: "new",
          startedAt: new Date().toISOString(),
          turn: null,
          queued: 0,
          error: null,
        },
      ],
    };
    ws.send(JSON.stringify({ v: 1, type: "state", state }));
    const reported = await stream.next((event) => event.event === "agent-runtime" && event.data.state !== null);
    expect(reported.data).toEqual({ agent: name, online: true, connectedAt: online.data.connectedAt, state });
    expect(((await aliceApi("GET", `/agents/${name}`)).body as { runtime: unknown }).runtime).toEqual({
      online: true,
      connectedAt: online.data.connectedAt,
      state,
    });

    await closeRuntime(ws);
    const offline = await stream.next((event) => event.event === "agent-runtime" && event.data.online === false);
    expect(offline.data).toEqual({ agent: name, online: false, connectedAt: null, state: null });
    expect(((await aliceApi("GET", `/agents/${name}`)).body as { runtime: unknown }).runtime).toEqual({
      online: false,
      connectedAt: null,
      state: null,
    });
  });

  it("tells nothing about another user's agents or teams", async () => {
    const aliceStream = await open(alice);
    const bobStream = await open(bob);
    const bobsAgent = uniqueName("private");
    const token = await register(bobApi, bobsAgent);
    await bobApi("POST", "/teams", { slug: uniqueName("bobs") });
    const ws = await connectRuntime(url, token);
    await bobStream.next((event) => event.event === "agent-runtime" && event.data.online === true);
    await closeRuntime(ws);
    await bobStream.next((event) => event.event === "agent-runtime" && event.data.online === false);
    await bobStream.next((event) => event.event === "changed" && event.data.scope === "teams");

    // Alice's own change arrives after anything about Bob would have: the stream is in order.
    const slug = uniqueName("alices");
    await aliceApi("POST", "/teams", { slug });
    await aliceStream.next((event) => event.event === "changed" && event.data.scope === "teams");
    expect(aliceStream.events).toEqual([]);
  });
});
