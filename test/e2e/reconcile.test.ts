import { afterAll, describe, expect, it } from "vitest";
import { EventType } from "matrix-js-sdk";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { freshTestDatabase } from "../support/databases.ts";
import { createHuman, stopHumans } from "../support/humans.ts";
import { waitForMembership, waitForPowerLevel, waitUntil } from "../support/waits.ts";

describe("reconciling the homeserver with the database at start", () => {
  let running: TestAppservice | undefined;

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("repairs power levels, agent memberships and team memberships that drifted while it was down", async () => {
    const database = await freshTestDatabase("reconcile");
    running = await startTestAppservice({ database });
    const alice = await createHuman("alice");
    const bob = await createHuman("bob");
    const api = apiAs(alice, running.appservice.url);
    const slug = uniqueName("drift");
    const agentName = uniqueName("agent");
    const spaceRoomId = ((await api("POST", "/teams", { slug })).body as { spaceRoomId: string }).spaceRoomId;
    const streamRoomId = ((await api("POST", `/teams/${slug}/streams`, { name: "chat" })).body as { roomId: string })
      .roomId;
    const projectRoomId = ((await api("POST", `/teams/${slug}/projects`, { name: "work" })).body as { roomId: string })
      .roomId;
    const legacyRoomId = ((await api("POST", `/teams/${slug}/streams`, { name: "legacy" })).body as { roomId: string })
      .roomId;
    const agentUserId = ((await api("POST", "/agents", { name: agentName })).body as { agent: { userId: string } })
      .agent.userId;
    await api("PUT", `/teams/${slug}/projects/work/agents/${agentName}`);
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    for (const roomId of [spaceRoomId, streamRoomId, projectRoomId, legacyRoomId]) await alice.client.joinRoom(roomId);
    await waitForMembership(alice.client, projectRoomId, agentUserId, "join");
    await waitForPowerLevel(alice.client, streamRoomId, agentUserId, -1);

    await running.appservice.close();
    // While the appservice is down: the owner unmutes the agent, kicks it from its project,
    // and the bot's invite to bob is rejected.
    await alice.client.setPowerLevel(streamRoomId, agentUserId, 0);
    await alice.client.kick(projectRoomId, agentUserId, "drift");
    await bob.client.leave(spaceRoomId);
    await waitForPowerLevel(alice.client, streamRoomId, agentUserId, 0);
    // A humans_only stream as aachat made them before users_default -1: every agent of the
    // server listed at -1, everyone else at 0.
    const powerLevels = (roomId: string) =>
      alice.client.getRoom(roomId)?.currentState.getStateEvents("m.room.power_levels", "")?.getContent() ?? {};
    const oldForm = {
      ...powerLevels(legacyRoomId),
      users_default: 0,
      users: { [alice.userId]: 100, [agentUserId]: -1, "@agent_of_another_team:localhost": -1 },
    };
    await alice.client.sendStateEvent(legacyRoomId, EventType.RoomPowerLevels, oldForm, "");
    await waitForPowerLevel(alice.client, legacyRoomId, "@agent_of_another_team:localhost", -1);
    await waitForPowerLevel(alice.client, legacyRoomId, bob.userId, 0);

    const muted = waitForPowerLevel(alice.client, streamRoomId, agentUserId, -1);
    const rejoined = waitForMembership(alice.client, projectRoomId, agentUserId, "join");
    const reinvited = waitForMembership(alice.client, spaceRoomId, bob.userId, "invite");
    running = await startTestAppservice({ database });
    await Promise.all([muted, rejoined, reinvited]);
    const migrated = await waitUntil("the legacy stream is in the new form", () => {
      const levels = powerLevels(legacyRoomId);
      return Promise.resolve(levels.users_default === -1 ? levels : undefined);
    });
    expect(migrated.users).toEqual({ [alice.userId]: 100, [bob.userId]: 0 });
    expect(migrated.events_default).toBe(0);
  });
});
