import { afterAll, describe, expect, it } from "vitest";
import { EventType } from "matrix-js-sdk";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { freshTestDatabase } from "../support/databases.ts";
import { createHuman, stopHumans } from "../support/humans.ts";
import { asPuppet } from "../support/puppets.ts";
import { waitForMembership, waitUntil } from "../support/waits.ts";

interface AgentBody {
  agent: { userId: string; dmRoomId: string };
}
interface TeamBody {
  slug: string;
  kind: string;
  spaceRoomId: string;
}

describe("an agent's DM, finished after the registration answered", () => {
  let running: TestAppservice | undefined;

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("has the agent joined and sits in the owner's personal space, and a restart repairs both", async () => {
    const database = await freshTestDatabase("reconcile-agent-dm");
    running = await startTestAppservice({ database });
    const alice = await createHuman("alice");
    const api = apiAs(alice, running.appservice.url);
    const created = await api("POST", "/agents", { name: uniqueName("dm") });
    expect(created.status).toBe(201);
    const { agent } = created.body as unknown as AgentBody;
    const teams = (await api("GET", "/teams")).body as unknown as TeamBody[];
    const personal = teams.find((team) => team.kind === "personal");
    expect(personal).toBeDefined();
    const spaceRoomId = personal!.spaceRoomId;

    const dm = agent.dmRoomId;
    await waitUntil("alice is invited to the DM", () =>
      Promise.resolve(alice.client.getRoom(dm)?.getMyMembership() === "invite"),
    );
    await alice.client.joinRoom(dm);
    await alice.client.joinRoom(spaceRoomId);
    await waitForMembership(alice.client, dm, agent.userId, "join");
    const listed = () =>
      Promise.resolve(
        Array.isArray(
          alice.client.getRoom(spaceRoomId)?.currentState.getStateEvents("m.space.child", dm)?.getContent().via,
        ),
      );
    await waitUntil("the DM is listed in the personal space", listed);

    // While the appservice is down, the agent leaves its DM and the DM is taken out of the space.
    await running.appservice.close();
    const left = await asPuppet(
      running.registration,
      agent.userId,
      "POST",
      `/rooms/${encodeURIComponent(dm)}/leave`,
      {},
    );
    expect(left.status).toBe(200);
    await alice.client.sendStateEvent(spaceRoomId, EventType.SpaceChild, {}, dm);
    await waitForMembership(alice.client, dm, agent.userId, "leave");
    await waitUntil("the DM is no longer listed", async () => !(await listed()));

    running = await startTestAppservice({ database });
    await waitForMembership(alice.client, dm, agent.userId, "join");
    await waitUntil("the DM is listed in the personal space again", listed);
  });

  it("starts with an agent the homeserver refuses, and still repairs the others", async () => {
    await running?.appservice.close();
    const database = await freshTestDatabase("reconcile-refused-agent");
    running = await startTestAppservice({ database });
    const bob = await createHuman("bob");
    const api = apiAs(bob, running.appservice.url);
    const register = async (name: string) => {
      const created = await api("POST", "/agents", { name: uniqueName(name) });
      expect(created.status).toBe(201);
      return (created.body as unknown as AgentBody).agent;
    };
    const [refused, healthy] = [await register("gone"), await register("kept")];
    for (const agent of [refused, healthy]) {
      await waitUntil("bob is invited to the DM", () =>
        Promise.resolve(bob.client.getRoom(agent.dmRoomId)?.getMyMembership() === "invite"),
      );
      await bob.client.joinRoom(agent.dmRoomId);
      await waitForMembership(bob.client, agent.dmRoomId, agent.userId, "join");
    }

    // While the appservice is down, one agent leaves its DM, and the owner bans the other
    // from theirs with a Matrix client: the homeserver now refuses to let it back in.
    await running.appservice.close();
    const left = await asPuppet(
      running.registration,
      healthy.userId,
      "POST",
      `/rooms/${encodeURIComponent(healthy.dmRoomId)}/leave`,
      {},
    );
    expect(left.status).toBe(200);
    await waitForMembership(bob.client, healthy.dmRoomId, healthy.userId, "leave");
    await bob.client.ban(refused.dmRoomId, refused.userId, "not this one");
    await waitForMembership(bob.client, refused.dmRoomId, refused.userId, "ban");

    running = await startTestAppservice({ database });
    await waitForMembership(bob.client, healthy.dmRoomId, healthy.userId, "join");
    expect(bob.client.getRoom(refused.dmRoomId)?.getMember(refused.userId)?.membership).toBe("ban");
  });
});
