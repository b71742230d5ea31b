import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent } from "../support/waits.ts";

/** The agent's chat tools, called through its session's MCP server (the scripted agent's `[mcp:TOOL:ARGS]`). */
describe("the chat tools a session's agent gets (scripted ACP agent, real MCP server)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;
  let docsRoomId: string;

  /** The tool's result as the agent saw it; its call shows as a compact line, ✓ or ✗, above it. */
  const useTool = async (tool: string, args: object, outcome: "✓" | "✗" = "✓"): Promise<string> => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("mcp"),
    );
    await mention(scene, helper.agent, `Helper [mcp:${tool}:${JSON.stringify(args)}]`);
    const { body } = await reply;
    expect(body.split("\n\n")[0]).toBe(`_▸ mcp ${tool}_ ${outcome}`);
    return body.replace(/^_▸ .*\n\n/, "");
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    docsRoomId = (await scene.api<{ roomId: string }>("POST", `/teams/${scene.slug}/projects`, { name: "docs" })).body
      .roomId;
    await scene.alice.client.joinRoom(docsRoomId);
    helper = await runningAgent(scene, running.appservice.url, {
      prefix: "helper",
      displayName: "Helper",
      moreProjects: ["docs"],
    });
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("posts in another project the session covers, and refuses one it does not", async () => {
    const posted = waitForRoomEvent(scene.alice.client, {
      roomId: docsRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
    });
    const result = await useTool("send_message", { project: "docs", text: "The docs need a **changelog**." });
    expect(result).toMatch(new RegExp(`^mcp: Posted in ${scene.slug}/docs \\(event \\$\\S+\\)\\.$`));
    const event = await posted;
    expect(event.getContent()).toMatchObject({
      body: "The docs need a **changelog**.",
      formatted_body: "<p>The docs need a <strong>changelog</strong>.</p>",
    });
    expect(await useTool("send_message", { project: "elsewhere", text: "hi" }, "✗")).toBe(
      `mcp error: this session does not cover 'elsewhere'; it covers ${scene.slug}/site, ${scene.slug}/docs`,
    );
  });

  it("reads what it has not read yet, once", async () => {
    await sendContent(scene.alice, docsRoomId, { msgtype: "m.text", body: "First note about the docs" });
    await sendContent(scene.alice, docsRoomId, { msgtype: "m.text", body: "Second note about the docs" });
    const first = await useTool("read_unread", { project: `${scene.slug}/docs` });
    expect(first).toContain(`mcp: ${scene.slug}/docs:`);
    expect(first).toContain(`(${scene.alice.userId}, human)`);
    expect(first.indexOf("First note about the docs")).toBeLessThan(first.indexOf("Second note about the docs"));
    expect(await useTool("read_unread", { project: "docs" })).toBe(`mcp: ${scene.slug}/docs: nothing unread.`);
  });

  it("replies in a thread, reacts, and messages its owner", async () => {
    const root = await sendContent(scene.alice, docsRoomId, { msgtype: "m.text", body: "Thread about releases" });
    const threaded = waitForRoomEvent(scene.alice.client, {
      roomId: docsRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => event.getContent().body === "In the thread.",
    });
    await useTool("reply_in_thread", { project: "docs", thread_root_event_id: root.event_id, text: "In the thread." });
    expect((await threaded).getContent()["m.relates_to"]).toMatchObject({
      rel_type: "m.thread",
      event_id: root.event_id,
    });

    const reaction = waitForRoomEvent(scene.alice.client, {
      roomId: docsRoomId,
      type: "m.reaction",
      sender: helper.agent.userId,
    });
    expect(await useTool("react", { project: "docs", event_id: root.event_id, emoji: "👀" })).toBe(
      `mcp: Reacted 👀 to ${root.event_id}.`,
    );
    expect((await reaction).getContent()["m.relates_to"]).toEqual({
      rel_type: "m.annotation",
      event_id: root.event_id,
      key: "👀",
    });

    const dm = waitForRoomEvent(scene.alice.client, {
      roomId: helper.dmRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
    });
    expect(await useTool("dm_owner", { text: "I need an API key." })).toMatch(/^mcp: Sent to your owner /);
    expect((await dm).getContent()).toMatchObject({
      body: "I need an API key.",
      "m.mentions": { user_ids: [scene.alice.userId] },
    });
  });

  it("tells the agent what was wrong with its arguments", async () => {
    const refused = await useTool("react", { project: "docs", emoji: "👀" }, "✗");
    expect(refused).toMatch(/^mcp error: .*event_id/s);
  });
});
