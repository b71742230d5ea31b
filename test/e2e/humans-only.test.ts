import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError, sendAsAgent } from "@aachat/appservice";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { asPuppet } from "../support/puppets.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, stopHumans, type Human } from "../support/humans.ts";
import { waitForMembership, waitForPowerLevel, waitForRoomEvent } from "../support/waits.ts";

/** How many m.room.power_levels events the room's history holds, as the human sees it. */
async function powerLevelEvents(human: Human, roomId: string): Promise<number> {
  const url = new URL(
    `${human.client.getHomeserverUrl()}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`,
  );
  url.searchParams.set("dir", "b");
  url.searchParams.set("limit", "1000");
  url.searchParams.set("filter", JSON.stringify({ types: ["m.room.power_levels"] }));
  const response = await fetch(url, { headers: { authorization: `Bearer ${human.accessToken}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { chunk: unknown[] }).chunk.length;
}

function powerLevelsOf(human: Human, roomId: string): Record<string, unknown> {
  return human.client.getRoom(roomId)!.currentState.getStateEvents("m.room.power_levels", "")!.getContent();
}

describe("humans_only streams", () => {
  let running: TestAppservice;
  let alice: Human;
  let api: Api;
  let slug: string;
  let roomId: string;
  let agentUserId: string;

  beforeAll(async () => {
    running = await startTestAppservice();
    alice = await createHuman("alice");
    api = apiAs(alice, running.appservice.url);
    slug = uniqueName("team");
    await api("POST", "/teams", { slug });
    const stream = await api("POST", `/teams/${slug}/streams`, { name: "general" });
    expect(stream.body).toMatchObject({ name: "general", humansOnly: true, archived: false });
    roomId = (stream.body as { roomId: string }).roomId;
    await alice.client.joinRoom(roomId);
    const agent = await api("POST", "/agents", { name: uniqueName("scribe") });
    agentUserId = (agent.body as { agent: { userId: string } }).agent.userId;
    // An agent may join and read: alice invites it, and it joins as itself.
    await alice.client.invite(roomId, agentUserId);
    expect(
      (await asPuppet(running.registration, agentUserId, "POST", `/join/${encodeURIComponent(roomId)}`, {})).status,
    ).toBe(200);
    await waitForMembership(alice.client, roomId, agentUserId, "join");
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("names only the team's humans: everyone else, every agent included, is below events_default", async () => {
    await waitForPowerLevel(alice.client, roomId, agentUserId, -1);
    const levels = powerLevelsOf(alice, roomId);
    expect(levels.events_default).toBe(0);
    expect(levels.users_default).toBe(-1);
    expect(levels.users).toEqual({ [alice.userId]: 100 });
  });

  it("has the homeserver refuse an agent's message, reaction and state event, whoever sends them", async () => {
    const message = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t1`,
      { msgtype: "m.text", body: "hi" },
    );
    expect(message.status).toBe(403);
    expect(message.body.errcode).toBe("M_FORBIDDEN");
    const humanMessage = await alice.client.sendTextMessage(roomId, "react to this");
    const reaction = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.reaction/t2`,
      {
        "m.relates_to": { rel_type: "m.annotation", event_id: humanMessage.event_id, key: "👍" },
      },
    );
    expect(reaction.status).toBe(403);
    const topic = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/state/m.room.topic/`,
      { topic: "mine" },
    );
    expect(topic.status).toBe(403);
  });

  it("has the appservice refuse an agent's send up front with a clear error", async () => {
    const agent = await running.appservice.db.agent.findUniqueOrThrow({ where: { userId: agentUserId } });
    const error = await sendAsAgent(
      running.appservice.model,
      agent,
      roomId,
      { msgtype: "m.text", body: "hi" },
      "x",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as Error).message).toBe("stream 'general' is humans_only: agents can read it but not post");
    expect(await running.appservice.db.outboundMessage.count({ where: { roomId } })).toBe(0);
  });

  it("reverts a human's power level change that would let an agent speak, and says why in the room", async () => {
    const levels = alice.client.getRoom(roomId)!.currentState.getStateEvents("m.room.power_levels", "")!.getContent();
    const notice = waitForRoomEvent(alice.client, {
      roomId,
      type: "m.room.message",
      sender: running.appservice.botUserId,
      where: (event) => String(event.getContent().body).startsWith("Reverted the power level change"),
    });
    const raised = waitForPowerLevel(alice.client, roomId, agentUserId, 0);
    await alice.client.setPowerLevel(roomId, agentUserId, 0);
    await raised;
    await waitForPowerLevel(alice.client, roomId, agentUserId, -1);
    expect((await notice).getContent().body).toContain("humans_only");
    const after = alice.client.getRoom(roomId)!.currentState.getStateEvents("m.room.power_levels", "")!.getContent();
    expect(after.users).toEqual(levels.users);
    const stillRefused = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t3`,
      { msgtype: "m.text", body: "hi" },
    );
    expect(stillRefused.status).toBe(403);
  });

  it("lets a team admin switch humans_only off and on, and the homeserver follows", async () => {
    const unmuted = waitForPowerLevel(alice.client, roomId, agentUserId, 0);
    const off = await api("PATCH", `/teams/${slug}/streams/general`, { humansOnly: false });
    expect(off.body).toMatchObject({ humansOnly: false });
    await unmuted;
    const sent = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t4`,
      { msgtype: "m.text", body: "now I may" },
    );
    expect(sent.status).toBe(200);

    const muted = waitForPowerLevel(alice.client, roomId, agentUserId, -1);
    await api("PATCH", `/teams/${slug}/streams/general`, { humansOnly: true });
    await muted;
    const refused = await asPuppet(
      running.registration,
      agentUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t5`,
      { msgtype: "m.text", body: "again" },
    );
    expect(refused.status).toBe(403);
  });

  it("lets only admins switch humans_only", async () => {
    const bob = await createHuman("bob");
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    const refused = await apiAs(bob, running.appservice.url)("PATCH", `/teams/${slug}/streams/general`, {
      humansOnly: false,
    });
    expect(refused.status).toBe(403);
    expect((await api("GET", `/teams/${slug}/streams`)).body).toMatchObject([{ name: "general", humansOnly: true }]);
  });

  it("lets a team member added after the stream was made post in it", async () => {
    const carol = await createHuman("carol");
    const spaceRoomId = ((await api("GET", `/teams/${slug}`)).body as { team: { spaceRoomId: string } }).team
      .spaceRoomId;
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(carol.userId)}`, { role: "member" });
    await waitForPowerLevel(alice.client, roomId, carol.userId, 0);
    await carol.client.joinRoom(spaceRoomId);
    await carol.client.joinRoom(roomId);
    const sent = await carol.client.sendTextMessage(roomId, "hello from a new member");
    expect(sent.event_id).toMatch(/^\$/);
    expect(powerLevelsOf(alice, roomId).users).toMatchObject({ [carol.userId]: 0 });
  });

  it("lets a person outside the team, invited into the stream, read but not post", async () => {
    const guest = await createHuman("guest");
    await alice.client.invite(roomId, guest.userId);
    await guest.client.joinRoom(roomId);
    await waitForMembership(alice.client, roomId, guest.userId, "join");
    const refused = await guest.client.sendTextMessage(roomId, "may I?").catch((error: unknown) => error);
    expect((refused as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
    expect(Object.keys(powerLevelsOf(alice, roomId).users as object)).not.toContain(guest.userId);
  });

  it("mutes an agent registered after the stream was made, without touching the stream", async () => {
    const before = await powerLevelEvents(alice, roomId);
    const later = await api("POST", "/agents", { name: uniqueName("late") });
    const lateUserId = (later.body as { agent: { userId: string } }).agent.userId;
    await alice.client.invite(roomId, lateUserId);
    expect(
      (await asPuppet(running.registration, lateUserId, "POST", `/join/${encodeURIComponent(roomId)}`, {})).status,
    ).toBe(200);
    await waitForMembership(alice.client, roomId, lateUserId, "join");
    const message = await asPuppet(
      running.registration,
      lateUserId,
      "PUT",
      `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/late1`,
      { msgtype: "m.text", body: "let me in" },
    );
    expect(message.status).toBe(403);
    expect(message.body.errcode).toBe("M_FORBIDDEN");
    expect(await powerLevelEvents(alice, roomId)).toBe(before);
    expect(Object.keys(powerLevelsOf(alice, roomId).users as object)).not.toContain(lateUserId);
  });

  it("writes no power-level event in any stream when a user of another team registers or deletes an agent", async () => {
    const other = await createHuman("dave");
    const otherApi = apiAs(other, running.appservice.url);
    const otherSlug = uniqueName("other");
    await otherApi("POST", "/teams", { slug: otherSlug });
    const otherRoomId = (
      (await otherApi("POST", `/teams/${otherSlug}/streams`, { name: "lobby" })).body as {
        roomId: string;
      }
    ).roomId;
    await other.client.joinRoom(otherRoomId);
    const before = [await powerLevelEvents(alice, roomId), await powerLevelEvents(other, otherRoomId)];
    const name = uniqueName("outsider");
    const created = await otherApi("POST", "/agents", { name });
    expect(created.status).toBe(201);
    expect((await otherApi("DELETE", `/agents/${name}`)).status).toBe(204);
    expect([await powerLevelEvents(alice, roomId), await powerLevelEvents(other, otherRoomId)]).toEqual(before);
    expect(powerLevelsOf(other, otherRoomId).users).toEqual({ [other.userId]: 100 });
  });
});
