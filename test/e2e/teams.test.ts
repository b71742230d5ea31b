import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, stopHumans, type Human } from "../support/humans.ts";
import { waitForInvite, waitForMembership, waitForPowerLevel } from "../support/waits.ts";

describe("teams as Matrix spaces", () => {
  let running: TestAppservice;
  let alice: Human;
  let bob: Human;

  beforeAll(async () => {
    running = await startTestAppservice();
    [alice, bob] = await Promise.all([createHuman("alice"), createHuman("bob")]);
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("makes the personal team ~username the first time the API meets a human", async () => {
    const carol = await createHuman("carol");
    const invited = waitForInvite(carol.client);
    const me = await apiAs(carol, running.appservice.url)("GET", "/me");
    expect(me.status).toBe(200);
    const localpart = carol.userId.slice(1, carol.userId.indexOf(":"));
    expect(me.body).toMatchObject({
      userId: carol.userId,
      personalTeam: { slug: `~${localpart}`, kind: "personal", myRole: "owner" },
    });
    const spaceRoomId = await invited;
    expect(spaceRoomId).toBe((me.body.personalTeam as { spaceRoomId: string }).spaceRoomId);
    await carol.client.joinRoom(spaceRoomId);
    const create = carol.client.getRoom(spaceRoomId)?.currentState.getStateEvents("m.room.create", "");
    expect(create?.getContent().type).toBe("m.space");
  });

  it("creates an organisation team whose space membership and power levels follow its members and roles", async () => {
    const api = apiAs(alice, running.appservice.url);
    const slug = uniqueName("acme");
    const created = await api("POST", "/teams", { slug, name: "Acme" });
    expect(created.status).toBe(201);
    const spaceRoomId = (created.body as { spaceRoomId: string }).spaceRoomId;
    await alice.client.joinRoom(spaceRoomId);

    const bobInvited = waitForInvite(bob.client, (roomId) => roomId === spaceRoomId);
    expect(
      (await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" })).status,
    ).toBe(200);
    await bobInvited;
    await bob.client.joinRoom(spaceRoomId);

    const promoted = waitForPowerLevel(alice.client, spaceRoomId, bob.userId, 50);
    expect(
      (await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "admin" })).body,
    ).toEqual({ userId: bob.userId, role: "admin" });
    await promoted;

    const detail = await api("GET", `/teams/${slug}`);
    expect(detail.body).toMatchObject({
      team: { slug, name: "Acme", kind: "organisation", myRole: "owner" },
      members: [
        { userId: alice.userId, role: "owner" },
        { userId: bob.userId, role: "admin" },
      ],
    });
    const listed = await apiAs(bob, running.appservice.url)("GET", "/teams");
    expect(
      (listed.body as unknown as { slug: string; myRole: string }[]).find((team) => team.slug === slug)?.myRole,
    ).toBe("admin");

    const renamed = await api("PATCH", `/teams/${slug}`, { name: "Acme Inc" });
    expect(renamed.body).toMatchObject({ name: "Acme Inc" });

    const bobLeaves = waitForMembership(alice.client, spaceRoomId, bob.userId, "leave");
    expect((await api("DELETE", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`)).status).toBe(204);
    await bobLeaves;
  });

  it("lets only admins manage members, and only owners make owners", async () => {
    const api = apiAs(alice, running.appservice.url);
    const slug = uniqueName("roles");
    await api("POST", "/teams", { slug });
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    const asBob = apiAs(bob, running.appservice.url);
    const refused = await asBob("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "admin" });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: { code: "forbidden", message: `you need the admin role in team '${slug}' for this (you are member)` },
    });

    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "admin" });
    const ownerByAdmin = await asBob("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, {
      role: "owner",
    });
    expect(ownerByAdmin.status).toBe(403);
    const lastOwner = await api("PUT", `/teams/${slug}/members/${encodeURIComponent(alice.userId)}`, { role: "admin" });
    expect(lastOwner.status).toBe(409);
    expect((await api("GET", `/teams/${slug}`)).body).toMatchObject({ team: { myRole: "owner" } });
  });

  it("refuses bad input with a clear error and creates nothing", async () => {
    const api = apiAs(alice, running.appservice.url);
    const before = await running.appservice.db.team.count();
    const badSlug = await api("POST", "/teams", { slug: "Not A Slug" });
    expect(badSlug.status).toBe(400);
    expect(badSlug.body).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("body slug: must be 2-39 lowercase") },
    });
    const unknownField = await api("POST", "/teams", { slug: uniqueName("ok"), colour: "blue" });
    expect(unknownField.body).toMatchObject({ error: { message: "body colour: unknown field" } });
    const notJson = await fetch(`${running.appservice.url}/api/v1/teams`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    const unknownUser = await api("POST", "/teams", { slug: uniqueName("x") }).then((r) =>
      api(
        "PUT",
        `/teams/${(r.body as { slug: string }).slug}/members/${encodeURIComponent("@nobody-here:localhost")}`,
        { role: "member" },
      ),
    );
    expect(unknownUser.body).toMatchObject({
      error: { code: "not_found", message: "there is no user @nobody-here:localhost on the homeserver" },
    });
    expect(await running.appservice.db.team.count()).toBe(before + 1);
  });

  it("refuses requests without a valid Matrix token", async () => {
    const none = await fetch(`${running.appservice.url}/api/v1/teams`);
    expect(none.status).toBe(401);
    const wrong = await apiAs({ accessToken: "syt_not_a_real_token" }, running.appservice.url)("GET", "/teams");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("deletes a team only when the owner confirms with its slug, and empties its rooms", async () => {
    const api = apiAs(alice, running.appservice.url);
    const slug = uniqueName("gone");
    const { body } = await api("POST", "/teams", { slug });
    const spaceRoomId = (body as { spaceRoomId: string }).spaceRoomId;
    await alice.client.joinRoom(spaceRoomId);
    expect((await api("DELETE", `/teams/${slug}`, { confirm: "wrong" })).status).toBe(400);
    expect((await api("GET", `/teams/${slug}`)).status).toBe(200);
    const kicked = waitForMembership(alice.client, spaceRoomId, alice.userId, "leave");
    expect((await api("DELETE", `/teams/${slug}`, { confirm: slug })).status).toBe(204);
    await kicked;
    expect((await api("GET", `/teams/${slug}`)).status).toBe(404);
  });

  it("documents the API as OpenAPI generated from the same schemas", async () => {
    const document = (await (await fetch(`${running.appservice.url}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/teams/{team}/projects/{project}/agents/{agent}");
  });
});
