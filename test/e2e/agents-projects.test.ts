import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { agentForRuntimeToken } from "@aachat/appservice";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, stopHumans, type Human } from "../support/humans.ts";
import { waitForInvite, waitForMembership, waitForRoomEvent, waitUntil } from "../support/waits.ts";

interface AgentBody {
  agent: { name: string; userId: string; dmRoomId: string; displayName: string };
  runtimeToken: string;
}

describe("agents and projects", () => {
  let running: TestAppservice;
  let alice: Human;
  let bob: Human;
  let api: Api;
  let slug: string;

  beforeAll(async () => {
    running = await startTestAppservice();
    [alice, bob] = await Promise.all([createHuman("alice"), createHuman("bob")]);
    api = apiAs(alice, running.appservice.url);
    slug = uniqueName("team");
    await api("POST", "/teams", { slug });
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "admin" });
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("registers an agent: a puppet with its display name, a DM with its owner, and a token shown once", async () => {
    const name = uniqueName("reviewer");
    const dmInvite = waitForInvite(alice.client, (roomId) => roomId !== undefined);
    const created = await api("POST", "/agents", {
      name,
      displayName: "Code Reviewer",
      repoUrl: "https://example.org/reviewer.git",
    });
    expect(created.status).toBe(201);
    const { agent, runtimeToken } = created.body as unknown as AgentBody;
    expect(agent.userId).toBe(`@agent_${name}:${inject("stack").serverName}`);
    expect(runtimeToken).toMatch(/^aart_[A-Za-z0-9_-]{43}$/);

    const profile = await (
      await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/profile/${encodeURIComponent(agent.userId)}`)
    ).json();
    expect(profile).toMatchObject({ displayname: "Code Reviewer" });

    // The DM room is in alice's personal team, with alice invited and the agent joined.
    const invitedTo = await dmInvite;
    const dm =
      invitedTo === agent.dmRoomId ? invitedTo : await waitForInvite(alice.client, (id) => id === agent.dmRoomId);
    await alice.client.joinRoom(dm);
    await waitForMembership(alice.client, dm, agent.userId, "join");
    expect(alice.client.getRoom(dm)?.name).toBe("Code Reviewer");

    const row = await running.appservice.db.agent.findUniqueOrThrow({ where: { name } });
    expect(row.tokenHash).not.toContain(runtimeToken);
    expect(JSON.stringify(row)).not.toContain(runtimeToken);
    expect((await api("GET", `/agents/${name}`)).body).not.toHaveProperty("runtimeToken");
  });

  it("updates the agent's profile from what its repository says", async () => {
    const name = uniqueName("renamed");
    const { agent } = (await api("POST", "/agents", { name, displayName: "Old Name" })).body as unknown as AgentBody;
    const updated = await api("PATCH", `/agents/${name}`, {
      displayName: "New Name",
      repoUrl: "/home/alice/agents/renamed",
    });
    expect(updated.body).toMatchObject({ displayName: "New Name", repoUrl: "/home/alice/agents/renamed" });
    const profile = await (
      await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/profile/${encodeURIComponent(agent.userId)}`)
    ).json();
    expect(profile).toMatchObject({ displayname: "New Name" });
    // The DM is named after the agent, in the owner's client too.
    await alice.client.joinRoom(agent.dmRoomId);
    await waitUntil("the DM is named after the agent's new name", async () =>
      alice.client.getRoom(agent.dmRoomId)?.name === "New Name" ? true : undefined,
    );
    const empty = await api("PATCH", `/agents/${name}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      error: { message: "body: give at least one of displayName, repoUrl, avatarUrl" },
    });
    const badAvatar = await api("PATCH", `/agents/${name}`, { avatarUrl: "https://example.org/a.png" });
    expect(badAvatar.body).toMatchObject({ error: { message: expect.stringContaining("must be an mxc:// URL") } });
  });

  it("refuses a taken or invalid agent name and registers nothing", async () => {
    const name = uniqueName("taken");
    await api("POST", "/agents", { name });
    const count = await running.appservice.db.agent.count();
    expect((await api("POST", "/agents", { name })).body).toMatchObject({ error: { code: "conflict" } });
    const invalid = await api("POST", "/agents", { name: "Bad_Name" });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: { message: expect.stringContaining("body name: must be 2-32 lowercase") },
    });
    expect(await running.appservice.db.agent.count()).toBe(count);
  });

  it("refuses every agent action by someone other than its owner", async () => {
    const name = uniqueName("private");
    await api("POST", "/agents", { name });
    await api("POST", `/teams/${slug}/projects`, { name: "shared" }).catch(() => undefined);
    const asBob = apiAs(bob, running.appservice.url);
    const attempts: [string, string][] = [
      ["GET", `/agents/${name}`],
      ["DELETE", `/agents/${name}`],
      ["POST", `/agents/${name}/token`],
      ["DELETE", `/agents/${name}/token`],
      ["GET", `/agents/${name}/signals`],
      ["PUT", `/teams/${slug}/projects/shared/agents/${name}`],
      ["DELETE", `/teams/${slug}/projects/shared/agents/${name}`],
    ];
    for (const [method, path] of attempts) {
      const response = await asBob(method, path);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body, `${method} ${path}`).toMatchObject({
        error: { message: `agent '${name}' belongs to ${alice.userId}; only its owner can manage it` },
      });
    }
    expect((await api("GET", `/agents/${name}`)).status).toBe(200);
  });

  it("adds an agent to a project (its puppet joins) and removes it (it leaves)", async () => {
    const name = uniqueName("builder");
    const { agent } = (await api("POST", "/agents", { name })).body as unknown as AgentBody;
    const project = await api("POST", `/teams/${slug}/projects`, { name: "site" });
    expect(project.status).toBe(201);
    const roomId = (project.body as { roomId: string }).roomId;
    await alice.client.joinRoom(roomId);

    const joined = waitForMembership(alice.client, roomId, agent.userId, "join");
    const added = await api("PUT", `/teams/${slug}/projects/site/agents/${name}`);
    expect(added.body).toMatchObject({ name: "site", agents: [name] });
    await joined;
    expect((await api("GET", `/agents/${name}`)).body).toMatchObject({ projects: [{ team: slug, project: "site" }] });

    const left = waitForMembership(alice.client, roomId, agent.userId, "leave");
    expect((await api("DELETE", `/teams/${slug}/projects/site/agents/${name}`)).body).toMatchObject({ agents: [] });
    await left;
  });

  it("lets a team member join a project", async () => {
    await api("POST", `/teams/${slug}/projects`, { name: "docs" });
    const invited = waitForInvite(bob.client);
    const joined = await apiAs(bob, running.appservice.url)("POST", `/teams/${slug}/projects/docs/join`);
    expect(joined.status).toBe(200);
    const roomId = await invited;
    expect(roomId).toBe((joined.body as { roomId: string }).roomId);
    await bob.client.joinRoom(roomId);
  });

  it("seeds a project from a stream message: the project quotes and links it, the stream links the project", async () => {
    const stream = await api("POST", `/teams/${slug}/streams`, { name: "ideas" });
    const streamRoomId = (stream.body as { roomId: string }).roomId;
    await alice.client.joinRoom(streamRoomId);
    const { event_id } = await alice.client.sendTextMessage(streamRoomId, "We should build a status page");
    const link = waitForRoomEvent(alice.client, {
      roomId: streamRoomId,
      type: "m.room.message",
      sender: running.appservice.botUserId,
      where: (event) => String(event.getContent().body).includes("started project 'status-page'"),
    });
    const project = await api("POST", `/teams/${slug}/projects`, {
      name: "status-page",
      seed: { stream: "ideas", eventId: event_id },
    });
    expect(project.body).toMatchObject({ seededFrom: { roomId: streamRoomId, eventId: event_id } });
    expect((await link).getContent()["m.relates_to"]).toEqual({ "m.in_reply_to": { event_id } });

    const projectRoomId = (project.body as { roomId: string }).roomId;
    const quote = waitForRoomEvent(alice.client, {
      roomId: projectRoomId,
      type: "m.room.message",
      sender: running.appservice.botUserId,
    });
    await alice.client.joinRoom(projectRoomId);
    expect(String((await quote).getContent().body)).toContain("> We should build a status page");
  });

  it("rotates and revokes the runtime token", async () => {
    const name = uniqueName("rotator");
    const { runtimeToken } = (await api("POST", "/agents", { name })).body as unknown as AgentBody;
    const model = running.appservice.model;
    expect((await agentForRuntimeToken(model, runtimeToken))?.name).toBe(name);
    const rotated = (await api("POST", `/agents/${name}/token`)).body as { runtimeToken: string };
    expect(rotated.runtimeToken).not.toBe(runtimeToken);
    expect(await agentForRuntimeToken(model, runtimeToken)).toBeUndefined();
    expect((await agentForRuntimeToken(model, rotated.runtimeToken))?.name).toBe(name);
    await api("DELETE", `/agents/${name}/token`);
    expect(await agentForRuntimeToken(model, rotated.runtimeToken)).toBeUndefined();
  });

  it("deletes an agent: it leaves every room", async () => {
    const name = uniqueName("temp");
    const { agent } = (await api("POST", "/agents", { name })).body as unknown as AgentBody;
    await api("POST", `/teams/${slug}/projects`, { name: "temp-work" });
    const roomId = ((await api("GET", `/teams/${slug}/projects/temp-work`)).body as { roomId: string }).roomId;
    await alice.client.joinRoom(roomId);
    await api("PUT", `/teams/${slug}/projects/temp-work/agents/${name}`);
    await waitForMembership(alice.client, roomId, agent.userId, "join");
    const left = waitForMembership(alice.client, roomId, agent.userId, "leave");
    expect((await api("DELETE", `/agents/${name}`)).status).toBe(204);
    await left;
    expect((await api("GET", `/agents/${name}`)).status).toBe(404);
    const login = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { authorization: `Bearer ${running.registration.as_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "m.login.application_service",
        identifier: { type: "m.id.user", user: agent.userId },
      }),
    });
    expect(login.status, "the deleted agent's user is deactivated").toBe(403);
    expect(await login.json()).toMatchObject({ errcode: "M_USER_DEACTIVATED" });
  });
});
