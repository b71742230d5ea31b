import { describe, expect, it } from "vitest";
import { AgentFollowUps } from "../src/model/AgentFollowUps.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe("AgentFollowUps", () => {
  it("lets a caller wait for an agent's follow-up, and only that agent's", async () => {
    const followUps = new AgentFollowUps();
    const first = deferred();
    const order: string[] = [];
    followUps.start(1, async () => {
      await first.promise;
      order.push("agent 1 finished");
    });
    await followUps.settled(2);
    order.push("agent 2 settled");
    const waiting = followUps.settled(1).then(() => order.push("agent 1 settled"));
    first.resolve();
    await waiting;
    expect(order).toEqual(["agent 2 settled", "agent 1 finished", "agent 1 settled"]);
  });

  it("resolves at once for an agent whose follow-up already finished", async () => {
    const followUps = new AgentFollowUps();
    let runs = 0;
    followUps.start(7, () => {
      runs++;
      return Promise.resolve();
    });
    await followUps.settled(7);
    await followUps.settled(7);
    expect(runs).toBe(1);
  });
});
