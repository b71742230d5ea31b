import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Preset } from "matrix-js-sdk";
import { createHuman, stopHumans } from "../support/humans.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { waitForInvite, waitForMembership, waitUntil } from "../support/waits.ts";

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
    const personalTeamInvite = waitForInvite(alice.client, (id) => id !== roomId);
    await alice.client.invite(roomId, botUserId);
    await joined;

    // Meeting aachat for the first time made alice's personal team: she is invited to its space.
    const spaceRoomId = await personalTeamInvite;
    // The space exists (and invites) a moment before its team row is written.
    const team = await waitUntil(
      "the personal team is stored",
      async () => (await running.appservice.db.team.findFirst({ where: { spaceRoomId } })) ?? undefined,
    );
    expect(team).toMatchObject({ slug: `~${alice.userId.slice(1, alice.userId.indexOf(":"))}`, kind: "personal" });

    const botMemberships = async () =>
      (
        await running.appservice.db.inboundEvent.findMany({
          where: { roomId, type: "m.room.member", processedAt: { not: null } },
          orderBy: { seq: "asc" },
        })
      )
        .map((row) => JSON.parse(row.event) as { state_key: string; content: { membership: string } })
        .filter((event) => event.state_key === botUserId)
        .map((event) => event.content.membership);
    const memberships = await waitUntil("the bot's invite and join are processed", async () => {
      const seen = await botMemberships();
      return seen.length >= 2 ? seen : undefined;
    });
    expect(memberships, "the invite arrived in a transaction and was processed, then the join").toEqual([
      "invite",
      "join",
    ]);
  });
});
