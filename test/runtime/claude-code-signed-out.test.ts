import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fakeAnthropic.ts";
import { stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { claudeCodeAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";

/**
 * The real Claude Code (claude-agent-acp) with no credentials at all: its session starts
 * ("ready"), and the first prompt fails with ACP auth_required. Chat is told what to run.
 */
describe("an agent whose Claude Code is not signed in", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let model: FakeAnthropic;
  let claude: RunningAgent;

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    // Never asked: it is there so that nothing could reach the real API.
    model = await startFakeAnthropic({ responder: () => ({ text: "should not be asked" }) });
    claude = await claudeCodeAgent(scene, running.appservice.url, {
      modelUrl: model.url,
      env: { ANTHROPIC_API_KEY: "", ANTHROPIC_AUTH_TOKEN: "", CLAUDE_CODE_OAUTH_TOKEN: "", CLAUDE_CONFIG_DIR: "" },
    });
  }, 120_000);

  afterAll(async () => {
    await claude?.runtime.stop("stop");
    await model?.close();
    stopHumans();
    await running?.appservice.close();
  });

  it("answers a mention with who must sign in, where, what to run, and how to restart the agent", async () => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, claude.agent.userId, undefined, 60_000);
    await mention(scene, claude.agent, "Claude, are you there?");
    const { body } = await reply;
    expect(body).toMatch(new RegExp(`^⚠️ Claude Code is not signed in on ${hostname()}: `));
    expect(body).toContain(
      `run \`claude\` there and sign in with /login, then \`aachat agent restart ${claude.agent.name}\``,
    );
    expect(body).toContain("CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) or ANTHROPIC_API_KEY");
    expect(body).not.toContain("could not answer");
    expect(model.mainRequests()).toEqual([]);
  });
});
