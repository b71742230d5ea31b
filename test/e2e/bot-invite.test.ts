import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Preset } from "matrix-js-sdk";
import { createHuman, stopHumans } from "../support/humans.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { waitForMembership } from "../support/waits.ts";

describe("the pipeline from homeserver to appservice and back", () => {
  let running: TestAppservice;

  beforeAll(async () => {
    running = await startTestAppservice();
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("joins the bot to a room a human invites it to, and the human sees the join", async () => {
    const alice = await createHuman("alice");
    const { room_id: roomId } = await alice.client.createRoom({ preset: Preset.PrivateChat, name: "bot invite" });
    const botUserId = running.appservice.botUserId;

    const joined = waitForMembership(alice.client, roomId, botUserId, "join");
    await alice.client.invite(roomId, botUserId);
    await joined;

    const memberEvents = await running.appservice.db.inboundEvent.findMany({
      where: { roomId, type: "m.room.member", processedAt: { not: null } },
    });
    const memberships = memberEvents
      .map((row) => JSON.parse(row.event) as { state_key: string; content: { membership: string } })
      .filter((event) => event.state_key === botUserId)
      .map((event) => event.content.membership);
    expect(memberships, "the invite arrived in a transaction and was processed, then the join").toEqual([
      "invite",
      "join",
    ]);
  });
});
