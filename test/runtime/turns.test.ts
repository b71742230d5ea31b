import { RoomMemberEvent, type MatrixEvent, type RoomMember } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent } from "../support/waits.ts";

describe("an agent's runtime answers in chat (scripted ACP agent)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    helper = await runningAgent(scene, running.appservice.url, { prefix: "helper", displayName: "Helper" });
    expect(helper.started).toMatchObject({
      alreadyRunning: false,
      session: { status: "ready", agent: "scripted-agent" },
    });
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("shows the agent typing and streams its answer into one message in the thread it was asked in", async () => {
    const root = await sendContent(scene.alice, scene.roomId, { msgtype: "m.text", body: "Release plan for Friday" });
    const answer = "First part of the answer. Second part of it. Third and last part.";
    const typing = new Promise<void>((resolve) => {
      const onTyping = (_event: MatrixEvent, member: RoomMember) => {
        if (member.userId === helper.agent.userId && member.typing) {
          scene.alice.client.off(RoomMemberEvent.Typing, onTyping);
          resolve();
        }
      };
      scene.alice.client.on(RoomMemberEvent.Typing, onTyping);
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId);
    const asked = await sendContent(scene.alice, scene.roomId, {
      msgtype: "m.text",
      body: `Helper, what do you think? [reply:${answer}][chunks:3][delay:400]`,
      "m.mentions": { user_ids: [helper.agent.userId] },
      "m.relates_to": {
        rel_type: "m.thread",
        event_id: root.event_id,
        is_falling_back: true,
        "m.in_reply_to": { event_id: root.event_id },
      },
    });
    await typing;
    const final = await reply;
    expect(final.body).toBe(answer);
    // It grew in place: a first message, then edits, ending with the whole answer.
    expect(final.versions.length).toBeGreaterThanOrEqual(2);
    expect(final.versions[0]!.length).toBeLessThan(answer.length);
    expect(final.content["m.relates_to"]).toMatchObject({
      rel_type: "m.thread",
      event_id: root.event_id,
      "m.in_reply_to": { event_id: asked.event_id },
    });
    expect(final.content["m.mentions"]).toEqual({ user_ids: [scene.alice.userId] });
    expect(final.html).toBe(`<p>${answer}</p>`);
  });

  it("shows tool calls and the plan compactly, above the answer", async () => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("Checked."),
    );
    await mention(scene, helper.agent, "Helper, check the build [tool:Read src/app.ts][plan][reply:Checked.]");
    const { body } = await reply;
    expect(body).toBe(
      ["_▸ Read src/app.ts_ ✓", "**Plan**\n☑ Read the request\n☐ Write the reply", "Checked."].join("\n\n"),
    );
  });

  it("answers its owner's direct message in the DM room", async () => {
    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId);
    await sendContent(scene.alice, helper.dmRoomId, { msgtype: "m.text", body: "How are you? [reply:Fine, thanks.]" });
    expect((await reply).body).toBe("Fine, thanks.");
  });

  it("tells its owner in the DM about a mention in a project no session covers", async () => {
    const other = (await scene.api("POST", `/teams/${scene.slug}/projects`, { name: "docs" })).body as {
      roomId: string;
    };
    await scene.alice.client.joinRoom(other.roomId);
    await scene.api("PUT", `/teams/${scene.slug}/projects/docs/agents/${helper.agent.name}`);
    const notice = waitForRoomEvent(scene.alice.client, {
      roomId: helper.dmRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).includes("none of my sessions covers it"),
    });
    await sendContent(scene.alice, other.roomId, {
      msgtype: "m.text",
      body: "Helper, please update the docs",
      "m.mentions": { user_ids: [helper.agent.userId] },
    });
    const body = String((await notice).getContent().body);
    expect(body).toContain(`${scene.alice.userId} mentioned me in ${scene.slug}/docs`);
    expect(body).toContain("> Helper, please update the docs");
    expect(body).toContain(`aachat agent start ${helper.agent.name} -p ${scene.slug}/docs`);
  });
});
