import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@aachat/appservice";
import { sendAsAgent } from "../../appservice/src/model/agentMessages.ts";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { asPuppet } from "../support/puppets.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, stopHumans, type Human } from "../support/humans.ts";
import { waitForMembership, waitForPowerLevel, waitForRoomEvent } from "../support/waits.ts";

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

  it("gives every agent a negative power level while events_default stays 0", async () => {
    await waitForPowerLevel(alice.client, roomId, agentUserId, -1);
    const levels = alice.client.getRoom(roomId)!.currentState.getStateEvents("m.room.power_levels", "")!.getContent();
    expect(levels.events_default).toBe(0);
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

  it("mutes agents registered after the stream was made", async () => {
    const later = await api("POST", "/agents", { name: uniqueName("late") });
    const lateUserId = (later.body as { agent: { userId: string } }).agent.userId;
    await waitForPowerLevel(alice.client, roomId, lateUserId, -1);
  });
});
