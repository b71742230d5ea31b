import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { registerUser } from "@aachat/synapse";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { SseClient } from "../support/sse.ts";
import { waitUntil } from "../support/waits.ts";

interface ErrorBody {
  error: { code: string; message: string };
}

/** A fresh human with a token of their own and no syncing client, so the test may log it out. */
async function freshUser(prefix: string): Promise<{ userId: string; accessToken: string }> {
  const stack = inject("stack");
  return registerUser({
    homeserverUrl: stack.homeserverUrl,
    sharedSecret: stack.registrationSharedSecret,
    username: `${prefix}-${randomBytes(4).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
  });
}

async function logOut(accessToken: string): Promise<void> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/logout`, {
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
    body: "{}",
  });
  expect(response.status).toBe(200);
}

/** An access token of the agent's own Matrix user, as the appservice may log its users in. */
async function agentAccessToken(asToken: string, agentUserId: string): Promise<string> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { authorization: `Bearer ${asToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      type: "m.login.application_service",
      identifier: { type: "m.id.user", user: agentUserId },
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

describe("who may use the API", () => {
  let running: TestAppservice;
  let url: string;
  let alice: { userId: string; accessToken: string };
  let aliceApi: Api;

  beforeAll(async () => {
    running = await startTestAppservice();
    url = running.appservice.url;
    alice = await freshUser("alice");
    aliceApi = apiAs(alice, url);
  });

  afterAll(async () => {
    await running?.appservice.close();
  });

  it("refuses the appservice's own as_token on every route, creating nothing", async () => {
    const { model, db, botUserId } = running.appservice;
    const roomsBefore = await model.matrix.joinedRooms();
    const asApi = apiAs({ accessToken: running.registration.as_token }, url);
    for (const [method, path, body] of [
      ["GET", "/me", undefined],
      ["GET", "/teams", undefined],
      ["POST", "/teams", { slug: uniqueName("bots") }],
      ["GET", "/events", undefined],
    ] as const) {
      const response = await asApi<ErrorBody>(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error.message).toMatch(/as_token/);
    }
    expect(await model.matrix.joinedRooms()).toEqual(roomsBefore);
    expect(await db.team.findUnique({ where: { slug: `~${botUserId.slice(1, botUserId.indexOf(":"))}` } })).toBeNull();
  });

  it("refuses an agent's own Matrix login, creating nothing", async () => {
    const name = uniqueName("sly");
    const registered = await aliceApi<{ agent: { userId: string } }>("POST", "/agents", { name });
    expect(registered.status).toBe(201);
    const agentUserId = registered.body.agent.userId;
    const agentApi = apiAs({ accessToken: await agentAccessToken(running.registration.as_token, agentUserId) }, url);
    const read = await agentApi<ErrorBody>("GET", "/teams");
    expect(read.status).toBe(403);
    expect(read.body.error.message).toContain(agentUserId);
    expect(read.body.error.message).toMatch(/agent/);
    const write = await agentApi<ErrorBody>("POST", "/teams", { slug: uniqueName("agents") });
    expect(write.status).toBe(403);
    expect(
      await running.appservice.db.team.findMany({ where: { members: { some: { userId: agentUserId } } } }),
    ).toEqual([]);
  });

  it("refuses a write with a logged-out token at once", async () => {
    const bob = await freshUser("bob");
    const bobApi = apiAs(bob, url);
    expect((await bobApi("GET", "/teams")).status).toBe(200);
    await logOut(bob.accessToken);

    const slug = uniqueName("late");
    const write = await bobApi<ErrorBody>("POST", "/teams", { slug });
    expect(write.status).toBe(401);
    expect(write.body.error.message).toMatch(/log in again/);
    expect(await running.appservice.db.team.findUnique({ where: { slug } })).toBeNull();
  });

  it("refuses reads with a logged-out token within seconds", async () => {
    const erin = await freshUser("erin");
    const erinApi = apiAs(erin, url);
    expect((await erinApi("GET", "/teams")).status).toBe(200);
    await logOut(erin.accessToken);
    await waitUntil(
      "a read with the logged-out token is refused",
      async () => (await erinApi("GET", "/teams")).status === 401,
      10_000,
    );
  });

  it("ends an open event stream once its token is logged out, and only that one", async () => {
    const carol = await freshUser("carol");
    const carolStream = await SseClient.open(url, carol.accessToken);
    const aliceStream = await SseClient.open(url, alice.accessToken);
    try {
      let ended = false;
      void carolStream.ended.then(() => (ended = true));
      await logOut(carol.accessToken);
      await waitUntil("the logged-out token's event stream ends", () => Promise.resolve(ended), 15_000);
      expect(carolStream.events.map((event) => event.event)).toContain("unauthorized");

      // Alice's stream, whose token still works, goes on.
      expect((await aliceApi("POST", "/teams", { slug: uniqueName("still") })).status).toBe(201);
      await aliceStream.next((event) => event.event === "changed" && event.data.scope === "teams");
    } finally {
      carolStream.close();
      aliceStream.close();
    }
  });

  it("needs the same role to create a stream with humans_only off as to switch it off", async () => {
    const dave = await freshUser("dave");
    const daveApi = apiAs(dave, url);
    const slug = uniqueName("crew");
    expect((await aliceApi("POST", "/teams", { slug })).status).toBe(201);
    expect(
      (await aliceApi("PUT", `/teams/${slug}/members/${encodeURIComponent(dave.userId)}`, { role: "member" })).status,
    ).toBe(200);

    const open = await daveApi<ErrorBody>("POST", `/teams/${slug}/streams`, { name: "open", humansOnly: false });
    expect(open.status).toBe(403);
    expect(open.body.error.message).toMatch(/humans_only off needs the admin role/);
    const humansOnly = await daveApi("POST", `/teams/${slug}/streams`, { name: "quiet" });
    expect(humansOnly.status).toBe(201);
    const switched = await daveApi("PATCH", `/teams/${slug}/streams/quiet`, { humansOnly: false });
    expect(switched.status).toBe(403);
    expect((await aliceApi("GET", `/teams/${slug}/streams`)).body).toMatchObject([{ name: "quiet", humansOnly: true }]);

    const byAdmin = await aliceApi("POST", `/teams/${slug}/streams`, { name: "open", humansOnly: false });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body).toMatchObject({ name: "open", humansOnly: false });
  });

  it("never gives a deleted agent's name (and its Matrix user's messages) to a new agent", async () => {
    const name = uniqueName("gone");
    expect((await aliceApi("POST", "/agents", { name })).status).toBe(201);
    expect((await aliceApi("DELETE", `/agents/${name}`)).status).toBe(204);

    const again = await aliceApi<ErrorBody>("POST", "/agents", { name });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`the name ${name} belonged to a deleted agent; choose another name`);
    expect((await aliceApi("GET", `/agents/${name}`)).status).toBe(404);
    expect((await aliceApi("POST", "/agents", { name: `${name}-2` })).status).toBe(201);
  });
});
