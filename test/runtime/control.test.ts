import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, sendContent, sendReaction, stopHumans, type Human } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { permissionRequest, runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForMembership, waitForRoomEvent } from "../support/waits.ts";

function reply(human: Human, roomId: string, to: string, body: string) {
  return sendContent(human, roomId, { msgtype: "m.text", body, "m.relates_to": { "m.in_reply_to": { event_id: to } } });
}

describe("steering an agent from chat: permissions and stopping (scripted ACP agent)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;
  let bob: Human;

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    helper = await runningAgent(scene, running.appservice.url, { prefix: "helper", displayName: "Helper" });
    // Bob is a plain member of the team: he may talk to the agent but not steer it.
    bob = await createHuman("bob");
    await scene.api("PUT", `/teams/${scene.slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    await apiAs(bob, running.appservice.url)("POST", `/teams/${scene.slug}/projects/${scene.project}/join`);
    await bob.client.joinRoom(scene.roomId);
    await waitForMembership(scene.alice.client, scene.roomId, bob.userId, "join");
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("asks where it was asked, with the tool's options, and goes on with the option its owner reacts with", async () => {
    const asked = permissionRequest(scene, helper);
    const answer = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.startsWith("permission:"),
    );
    await mention(scene, helper.agent, "Helper, clean the build [permission]");
    const request = await asked;
    expect(request.getContent().body).toBe(
      [
        "🔐 **Permission needed**: Run `rm -rf build`",
        "1️⃣ Allow once · 2️⃣ Always allow · 3️⃣ Reject",
        "React with a number, or reply with the option. No answer within 5 min means **reject**.",
      ].join("\n"),
    );
    expect(request.getContent().msgtype).toBe("m.notice");
    // The agent offers its options as reactions to click.
    const settled = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.includes("answered by"),
    );
    await sendReaction(scene.alice, scene.roomId, request.getId()!, "1️⃣");
    expect((await answer).body).toBe("permission: allow_once");
    expect((await settled).body).toContain(`→ **Allow once**, answered by ${scene.alice.userId}.`);
  });

  it("ignores a member who may not steer the agent, and takes its owner's reply naming an option", async () => {
    const asked = permissionRequest(scene, helper);
    const answer = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.startsWith("permission:"),
    );
    await mention(scene, helper.agent, "Helper, clean it again [permission]");
    const request = await asked;
    await sendReaction(bob, scene.roomId, request.getId()!, "1️⃣");
    // Bob's reply is an ordinary message to the agent: queued behind the waiting turn, not an answer.
    await reply(bob, scene.roomId, request.getId()!, "1");
    await reply(scene.alice, scene.roomId, request.getId()!, "Helper: reject");
    expect((await answer).body).toBe("permission: reject_once");
  });

  it("stops a running turn when its owner reacts 🛑 to the answer", async () => {
    const partial = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => event.getContent().body === "working…",
    });
    const stopped = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.includes("Stopped"),
    );
    await mention(scene, helper.agent, "Helper, think about it forever [hang]");
    const working = await partial;
    await sendReaction(scene.alice, scene.roomId, working.getId()!, "🛑");
    const final = await stopped;
    expect(final.eventId).toBe(working.getId());
    expect(final.body).toBe(`working…\n\n_Stopped by ${scene.alice.userId}._`);
  });

  it("stops a running turn on a `stop` command in its thread, and says when nothing is running", async () => {
    const root = await sendContent(scene.alice, scene.roomId, { msgtype: "m.text", body: "A long task" });
    const inThread = {
      rel_type: "m.thread",
      event_id: root.event_id,
      is_falling_back: true,
      "m.in_reply_to": { event_id: root.event_id },
    };
    const partial = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => event.getContent().body === "working…",
    });
    const stopped = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.includes("Stopped"),
    );
    await sendContent(scene.alice, scene.roomId, {
      msgtype: "m.text",
      body: "Helper, go [hang]",
      "m.mentions": { user_ids: [helper.agent.userId] },
      "m.relates_to": inThread,
    });
    await partial;
    await sendContent(scene.alice, scene.roomId, {
      msgtype: "m.text",
      body: "Helper stop",
      "m.mentions": { user_ids: [helper.agent.userId] },
      "m.relates_to": inThread,
    });
    expect((await stopped).body).toBe(`working…\n\n_Stopped by ${scene.alice.userId}._`);

    const nothing = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (b) =>
      b.startsWith("Nothing is running"),
    );
    await mention(scene, helper.agent, "Helper: stop!");
    expect((await nothing).body).toBe("Nothing is running here to stop.");
  });

  it("rejects a permission request nobody answers in time", async () => {
    const quick = await runningAgent(scene, running.appservice.url, {
      prefix: "quick",
      displayName: "Quick",
      config: { permissionTimeoutMs: 1_500 },
    });
    try {
      const settled = waitForFinalReply(scene.alice.client, scene.roomId, quick.agent.userId, (b) => b.includes("→"));
      const answer = waitForFinalReply(scene.alice.client, scene.roomId, quick.agent.userId, (b) =>
        b.startsWith("permission:"),
      );
      await mention(scene, quick.agent, "Quick, delete it [permission]");
      expect((await settled).body).toContain(
        "No answer within 2 s means **reject**.\n\n→ **Rejected**: no answer within 2 s.",
      );
      expect((await answer).body).toBe("permission: reject_once");
    } finally {
      await quick.runtime.stop("stop");
    }
  });
});
