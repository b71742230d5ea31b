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
});
