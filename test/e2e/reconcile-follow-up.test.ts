import { afterAll, describe, expect, it } from "vitest";
import { linkInSpace, reconcile, type UserId } from "@aachat/appservice";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { freshTestDatabase } from "../support/databases.ts";
import { createHuman, stopHumans } from "../support/humans.ts";

interface AgentBody {
  agent: { userId: string; dmRoomId: string };
}
interface TeamBody {
  kind: string;
  spaceRoomId: string;
}

describe("reconcile while an agent's registration still finishes its DM", () => {
  let running: TestAppservice | undefined;

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("leaves the DM's join and space link to the follow-up instead of doing them beside it", async () => {
    running = await startTestAppservice({ database: await freshTestDatabase("reconcile-follow-up") });
    const { model } = running.appservice;
    const alice = await createHuman("alice");
    const api = apiAs(alice, running.appservice.url);
    const created = await api("POST", "/agents", { name: uniqueName("pending") });
    expect(created.status).toBe(201);
    const { agent } = created.body as unknown as AgentBody;
    const puppet = agent.userId as UserId;
    const dm = agent.dmRoomId;
    const teams = (await api("GET", "/teams")).body as unknown as TeamBody[];
    const spaceRoomId = teams.find((team) => team.kind === "personal")!.spaceRoomId;
    const { id } = await model.db.agent.findUniqueOrThrow({ where: { userId: puppet }, select: { id: true } });

    // The registration's own follow-up is done; undo it, back to where a registration
    // leaves the DM: the puppet invited, not joined, and the DM not in the space.
    await model.agentFollowUps.settled(id);
    await model.matrix.leave(dm, puppet);
    await model.matrix.invite(dm, puppet);
    await model.matrix.sendState(spaceRoomId, "m.space.child", dm, {});

    // A follow-up that finishes the DM only once the reconcile asks about it: a reconcile
    // that does not wait for it joins and links the DM itself.
    let asked: () => void = () => undefined;
    const reconcileAsked = new Promise<void>((resolve) => (asked = resolve));
    const settled = model.agentFollowUps.settled.bind(model.agentFollowUps);
    model.agentFollowUps.settled = (agentId) => {
      if (agentId === id) asked();
      return settled(agentId);
    };
    model.agentFollowUps.start(id, async () => {
      await reconcileAsked;
      await model.matrix.join(dm, puppet);
      await linkInSpace(model, spaceRoomId, dm);
    });

    try {
      const report = await reconcile(model);
      expect(report).toMatchObject({ joined: 0, linked: 0 });
    } finally {
      asked();
    }
    await model.agentFollowUps.settled(id);
    expect((await model.matrix.members(dm)).get(puppet)).toBe("join");
    const child = await model.matrix.getState<{ via?: unknown }>(spaceRoomId, "m.space.child", dm);
    expect(Array.isArray(child?.via)).toBe(true);
  });
});
