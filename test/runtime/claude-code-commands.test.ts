import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RoomEvent, type MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fakeAnthropic.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import { projectScene, type ProjectScene } from "../support/projectScene.ts";
import { claudeCodeAgent, type RunningAgent } from "../support/runtimeScene.ts";
import { waitUntil } from "../support/waits.ts";

const ARTIFACTS_DIR = fileURLToPath(new URL("../../test-artifacts/chat-commands/", import.meta.url));

interface AgentView {
  runtime: { state: { sessions: { mode?: string | null; model?: string | null }[] } | null };
}

/**
 * Chat commands against the real Claude Code (`claude-agent-acp`): what it really announces
 * (its modes, its model option, its slash commands) is what `!help` lists and `!mode` switches.
 * Only the model is stood in for, by a local server speaking the Anthropic Messages API.
 */
describe("chat commands to the real Claude Code (claude-agent-acp)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let model: FakeAnthropic;
  let claude: RunningAgent;
  const posted: MatrixEvent[] = [];

  const sessionState = async () =>
    (await scene.api<AgentView>("GET", `/agents/${claude.agent.name}`)).body.runtime.state?.sessions[0];
  /** Sends a command in the agent's DM and resolves with the text of the notice answering it. */
  const command = async (body: string): Promise<string> => {
    const { event_id: eventId } = await sendContent(scene.alice, claude.dmRoomId, { msgtype: "m.text", body });
    const answer = await waitUntil(
      `Claude answered ${body}`,
      async () =>
        posted.find(
          (event) =>
            (event.getContent()["m.relates_to"] as { "m.in_reply_to"?: { event_id: string } } | undefined)?.[
              "m.in_reply_to"
            ]?.event_id === eventId,
        ),
      30_000,
    );
    return String(answer.getContent().body);
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    model = await startFakeAnthropic({ responder: () => ({ text: "Hello." }), chunkDelayMs: 10 });
    claude = await claudeCodeAgent(scene, running.appservice.url, { modelUrl: model.url });
    scene.alice.client.on(RoomEvent.Timeline, (event: MatrixEvent) => {
      if (event.getSender() === claude.agent.userId && event.getType() === "m.room.message") posted.push(event);
    });
  }, 120_000);

  afterAll(async () => {
    await claude?.runtime.stop("stop");
    await model?.close();
    stopHumans();
    await running?.appservice.close();
  });

  it("lists Claude Code's modes, its models and its own slash commands in !help", async () => {
    // Claude Code announces its commands shortly after the session opened.
    await waitUntil(
      "Claude Code announced its commands",
      async () => (await readFile(claude.logFile, "utf8")).includes("agent commands announced"),
      60_000,
    );
    const help = await command("!help");
    // Kept for people to read, as it shows in chat.
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await writeFile(path.join(ARTIFACTS_DIR, "help-claude-code.md"), `${help}\n`);
    expect(help).toContain("- `default` — Manual ← current");
    expect(help).toContain("- `plan`\n");
    expect(help).toContain("- `acceptEdits` — Accept edits");
    expect(help).toContain("**Models**");
    expect(help).toContain("- `!init` — Initialize a new CLAUDE.md file");
    // Its own /compact and /model are reached with `/` after a mention; `!compact` and `!model` are aachat's.
    expect(help).toMatch(
      /_The agent's own `\/model`, `\/compact`: write it after a mention\._|_The agent's own `\/compact`, `\/model`: write it after a mention\._/,
    );
    for (const line of help.split("\n")) expect(line.length).toBeLessThanOrEqual(66);
  });

  it("switches Claude Code to plan mode with !mode plan", async () => {
    expect(await command("!mode plan")).toBe("Mode: `plan` (was `default`).");
    await waitUntil("the state shows mode plan", async () => (await sessionState())?.mode === "plan");
    expect(await command("!mode nonsense")).toMatch(/^Unknown mode `nonsense`\. Choose one of: `default`, /);
    expect((await sessionState())?.mode).toBe("plan");
  });
});
