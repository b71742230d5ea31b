import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { runningAgent, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

/**
 * Two scripted agents that echo what they are told. Each echo names the agent that spoke
 * before, and begins with "echo:", which is the second agent's name: once started, they
 * would mention each other forever.
 */
describe("agents mentioning each other", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let ay: RunningAgent;
  let bee: RunningAgent;

  const signalsOf = async (agent: RunningAgent) =>
    (await scene.api<{ sender: string }[]>("GET", `/agents/${agent.agent.name}/signals?pending=false`)).body;
  const chainStopped = () =>
    waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      where: (event) => String(event.getContent().body).startsWith("Stopped a chain of agent mentions"),
    });

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    ay = await runningAgent(scene, running.appservice.url, { prefix: "ay", displayName: "Ay" });
    bee = await runningAgent(scene, running.appservice.url, { prefix: "echo", displayName: "Echo" });
  });

  afterAll(async () => {
    await Promise.all([ay?.runtime.stop("stop"), bee?.runtime.stop("stop")]);
    stopHumans();
    await running?.appservice.close();
  });

  it("stops a chain of agent-to-agent mentions after the limit, says so, and lets a human start a new one", async () => {
    const stopped = chainStopped();
    await mention(scene, ay.agent, "Ay, please greet the team");
    const notice = await stopped;
    expect(notice.getSender()).toBe(running.appservice.botUserId);
    expect(notice.getContent()).toMatchObject({
      msgtype: "m.notice",
      body: "Stopped a chain of agent mentions: agents have mentioned each other 3 times in a row here, the limit for a thread. A human's message here lets them go on.",
    });
    // Alice → Ay, then Ay → Echo, Echo → Ay, Ay → Echo: three hops; Echo's answer to that made no signal.
    await waitUntil(
      "both agents have finished",
      async () => (await signalsOf(ay)).length === 2 && (await signalsOf(bee)).length === 2,
    );
    expect((await signalsOf(ay)).map((s) => s.sender)).toEqual([scene.alice.userId, bee.agent.userId]);
    expect((await signalsOf(bee)).map((s) => s.sender)).toEqual([ay.agent.userId, ay.agent.userId]);

    const again = chainStopped();
    await mention(scene, ay.agent, "Ay, please greet the team again");
    await again;
    await waitUntil(
      "the second chain has finished",
      async () => (await signalsOf(ay)).length === 4 && (await signalsOf(bee)).length === 4,
    );
  });
});
