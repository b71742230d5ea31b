import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workspaceLocation } from "@aachat/agent-repo";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import {
  contextText,
  lastToolResults,
  latestUserText,
  startFakeAnthropic,
  type FakeAnthropic,
  type MessagesRequest,
} from "../support/fakeAnthropic.ts";
import { sendReaction, stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { claudeCodeAgent, permissionRequest, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";
import { runGit } from "@aachat/agent-repo";

/**
 * The real Claude Code agent (`claude-agent-acp`, the runtime's default) end to end: a real
 * Synapse, the appservice, the runtime, and a human's matrix-js-sdk client. Only the model
 * is stood in for, by a local server speaking the Anthropic Messages API.
 */
describe("an agent running the real Claude Code (claude-agent-acp)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let model: FakeAnthropic;
  let claude: RunningAgent;
  let docsRoomId: string;
  let notesPath: string;

  /** The model's answer to each turn, chosen by the message it answers (the prompt's context holds earlier ones). */
  const respond = (request: MessagesRequest) => {
    const text = latestUserText(request);
    const asked = text.slice(text.lastIndexOf("mentioned you:"));
    const results = lastToolResults(request);
    if (asked.includes("fix the notes")) {
      // Claude Code edits only a file it has read: Read, then Edit, then say so.
      const last = results[0];
      if (!last) return { toolUse: { name: "Read", input: { file_path: notesPath } } };
      if (last.isError) return { text: `The tool failed: ${last.text}` };
      if (last.text.includes("The site is slow.") && !last.text.includes("updated")) {
        return {
          toolUse: {
            name: "Edit",
            input: { file_path: notesPath, old_string: "The site is slow.", new_string: "The site is fast." },
          },
        };
      }
      return { text: "Fixed the notes." };
    }
    if (results.length > 0) return { text: `Done. The command printed: ${results[0]!.text.trim()}` };
    if (asked.includes("make the file")) {
      return {
        text: "I'll create it.",
        toolUse: { name: "Bash", input: { command: "echo hi > out.txt; cat out.txt", description: "Write out.txt" } },
      };
    }
    if (asked.includes("tell the docs")) {
      return {
        toolUse: { name: "mcp__aachat__send_message", input: { project: "docs", text: "Docs: the site is live." } },
      };
    }
    return { text: "Hello from Claude Code. I read the room, and this answer streams in several pieces." };
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    docsRoomId = (await scene.api<{ roomId: string }>("POST", `/teams/${scene.slug}/projects`, { name: "docs" })).body
      .roomId;
    await scene.alice.client.joinRoom(docsRoomId);
    model = await startFakeAnthropic({ responder: respond, chunkDelayMs: 30 });
    claude = await claudeCodeAgent(scene, running.appservice.url, { modelUrl: model.url, moreProjects: ["docs"] });
    notesPath = join(workspaceLocation(claude.repoDir, claude.sessionId).dir, "notes.md");
  }, 120_000);

  afterAll(async () => {
    await claude?.runtime.stop("stop");
    await model?.close();
    stopHumans();
    await running?.appservice.close();
  });

  it("streams Claude Code's answer to a mention into the room, as the agent, replying to it", async () => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, claude.agent.userId, undefined, 60_000);
    await mention(scene, claude.agent, "Claude, say hello to the team");
    const final = await reply;
    const [answer, footer] = final.body.split("\n\n");
    expect(answer).toBe("Hello from Claude Code. I read the room, and this answer streams in several pieces.");
    // The turn's tokens and cost, and the session's total so far, as Claude Code reported them.
    expect(footer).toMatch(/^_[\d.]+k? tokens · \$[\d.]+ · session \$[\d.]+_$/);
    expect(final.versions.length).toBeGreaterThanOrEqual(2);
    const asked = model.mainRequests().at(-1)!.body;
    expect(latestUserText(asked)).toContain(`${scene.alice.userId} mentioned you:\nClaude, say hello to the team`);
    // Claude Code read the agent's CLAUDE.md from its session's worktree.
    expect(contextText(asked)).toContain(`You are **${claude.agent.name}**`);
  });

  it("asks in chat before running a command, and runs it once its owner allows", async () => {
    const request = permissionRequest(scene, claude, 60_000);
    const reply = waitForFinalReply(
      scene.alice.client,
      scene.roomId,
      claude.agent.userId,
      (body) => body.includes("Done."),
      60_000,
    );
    await mention(scene, claude.agent, "Claude, make the file please");
    const asked = await request;
    expect(asked.getContent().body).toContain("echo hi > out.txt; cat out.txt");
    expect(asked.getContent().body).toMatch(/1️⃣ Yes · 2️⃣ .+ · 3️⃣ No/);
    await sendReaction(scene.alice, scene.roomId, asked.getId()!, "1️⃣");
    const final = await reply;
    expect(final.body).toContain("I'll create it.");
    expect(final.body).toContain("Done. The command printed: hi");
    expect(final.body).toMatch(/_▸ .*echo hi > out\.txt.*_ ✓/);
    // The command ran in the session's worktree of the agent repository; what it changed there is published.
    const pushed = await waitUntil("the change reached origin", async () => {
      const { stdout, exitCode } = await runGit(claude.originDir, ["show", "main:out.txt"], { allowFailure: true });
      return exitCode === 0 ? stdout : false;
    });
    expect(pushed).toBe("hi\n");
  });

  it("uses its aachat chat tools to post in another covered project", async () => {
    const posted = waitForRoomEvent(scene.alice.client, {
      roomId: docsRoomId,
      type: "m.room.message",
      sender: claude.agent.userId,
      timeoutMs: 60_000,
    });
    await mention(scene, claude.agent, "Claude, tell the docs team we shipped");
    expect((await posted).getContent().body).toBe("Docs: the site is live.");
  });

  it("shows the diff of its Edit under the tool line, and ends the turn with its usage", async () => {
    await writeFile(notesPath, "# Notes\n\nThe site is slow.\nMore later.\n");
    const request = permissionRequest(scene, claude, 60_000);
    const reply = waitForFinalReply(
      scene.alice.client,
      scene.roomId,
      claude.agent.userId,
      (body) => body.includes("Fixed the notes."),
      90_000,
    );
    await mention(scene, claude.agent, "Claude, fix the notes please");
    await sendReaction(scene.alice, scene.roomId, (await request).getId()!, "1️⃣");
    const final = await reply;
    expect(final.body).toMatch(/_▸ Edit notes\.md_ ✓\n```diff notes\.md \+1 −1\n@@ [^\n]+ @@\n/);
    expect(final.body).toContain("-The site is slow.\n+The site is fast.");
    expect(final.html).toContain("<details><summary>notes.md +1 −1</summary>");
    expect(final.body.split("\n").at(-1)).toMatch(/^_[\d.]+k? tokens · \$[\d.]+ · session \$[\d.]+_$/);
  });
});
