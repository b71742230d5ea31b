import { appendFile } from "node:fs/promises";
import path from "node:path";
import { runGit } from "@aachat/agent-repo";
import type { AgentUsageReport } from "@aachat/api";
import type { MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, sendReaction, stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

/** The environment.yaml limit of the agent under test, in USD a day. */
const FILE_LIMIT = 0.05;

describe("an agent's cost and its daily limit", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let spender: RunningAgent;

  const usage = async () => {
    const response = await scene.api<AgentUsageReport>("GET", `/agents/${spender.agent.name}/usage`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const sessionState = async () => {
    const response = await scene.api<{ runtime: { state: { sessions: { paused?: string | null }[] } | null } }>(
      "GET",
      `/agents/${spender.agent.name}`,
    );
    return response.body.runtime.state?.sessions[0];
  };
  const agentNotice = (roomId: string, text: string) =>
    waitForRoomEvent(scene.alice.client, {
      roomId,
      type: "m.room.message",
      sender: spender.agent.userId,
      where: (event: MatrixEvent) => String(event.getContent().body).includes(text),
    });

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    spender = await runningAgent(scene, running.appservice.url, {
      prefix: "spender",
      displayName: "Spender",
      prepareRepo: async (repoDir) => {
        await appendFile(path.join(repoDir, "environment.yaml"), `budget:\n  dailyUsd: ${FILE_LIMIT}\n`);
        await runGit(repoDir, ["commit", "--quiet", "-am", "A daily cost limit"]);
      },
    });
  });

  afterAll(async () => {
    await spender?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("ends each answer with its cost and counts it for the agent and its session", async () => {
    expect(await usage()).toMatchObject({
      today: { tokens: 0, costUsd: 0 },
      dailyLimitUsd: FILE_LIMIT,
      limitSource: "environment",
      configuredLimitUsd: FILE_LIMIT,
    });
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, spender.agent.userId);
    await mention(scene, spender.agent, "Spender, a first small job [reply:Done.][usage:1200:0.02]");
    const answer = await reply;
    expect(answer.body.startsWith("Done.")).toBe(true);
    expect(answer.body).toContain("_1.2k tokens · $0.020 · session $0.020_");

    const after = await waitUntil("the turn's cost is recorded", async () => {
      const now = await usage();
      return now.today.costUsd > 0 ? now : undefined;
    });
    const spent = { tokens: 1200, costUsd: 0.02 };
    expect(after).toMatchObject({ today: spent, week: spent, total: spent });
    expect(after.sessions).toHaveLength(1);
    expect(after.sessions[0]).toMatchObject({ today: spent, total: spent });
  });

  it("waits past the limit, asks its owner in the DM, and answers once the owner says yes", async () => {
    // This turn takes the day's cost to $0.06, past the $0.05 limit: it still finishes.
    const first = waitForFinalReply(scene.alice.client, scene.roomId, spender.agent.userId, (body) =>
      body.startsWith("Second job done."),
    );
    await mention(scene, spender.agent, "Spender, a second job [reply:Second job done.][usage:1000:0.04]");
    await first;
    await waitUntil("the second turn's cost is recorded", async () => (await usage()).today.costUsd >= 0.06);

    const question = agentNotice(spender.dmRoomId, "Daily cost limit reached");
    const told = agentNotice(scene.roomId, "reached my daily cost limit");
    const later = waitForFinalReply(scene.alice.client, scene.roomId, spender.agent.userId, (body) =>
      body.startsWith("Worth the wait."),
    );
    const waitingId = await mention(scene, spender.agent, "Spender, one more [reply:Worth the wait.][usage:10:0.001]");
    const notice = await told;
    expect(notice.getContent()["m.relates_to"]).toMatchObject({ "m.in_reply_to": { event_id: waitingId } });
    const asked = await question;
    expect(asked.getContent().body).toContain("I've spent $0.06 today (UTC); my limit is $0.05");
    expect(asked.getContent().body).toContain("raise today's limit to $1.06");
    expect(await sessionState()).toMatchObject({ paused: expect.stringContaining("daily cost limit") as unknown });

    await sendReaction(scene.alice, spender.dmRoomId, asked.getId()!, "👍");
    await later;
    expect(await usage()).toMatchObject({ dailyLimitUsd: 1.06, limitSource: "environment" });
    await waitUntil("the session is no longer paused", async () => !(await sessionState())?.paused);
  });

  it("keeps the work waiting on 👎 and goes on when the owner sets a higher limit", async () => {
    const set = await scene.api<AgentUsageReport>("PUT", `/agents/${spender.agent.name}/budget`, {
      dailyLimitUsd: 0.06,
    });
    expect(set.status).toBe(200);
    // The owner's limit takes the place of the file's, and today's raise no longer holds.
    expect(set.body).toMatchObject({ dailyLimitUsd: 0.06, limitSource: "owner", configuredLimitUsd: FILE_LIMIT });

    const question = agentNotice(spender.dmRoomId, "my limit is $0.06");
    const later = waitForFinalReply(scene.alice.client, scene.roomId, spender.agent.userId, (body) =>
      body.startsWith("Answered at last."),
    );
    await mention(scene, spender.agent, "Spender, again [reply:Answered at last.]");
    const asked = await question;
    const declined = agentNotice(spender.dmRoomId, "I'll wait until 00:00 UTC");
    await sendReaction(scene.alice, spender.dmRoomId, asked.getId()!, "👎");
    await declined;
    expect(await sessionState()).toMatchObject({ paused: expect.stringContaining("of $0.06") as unknown });

    const raised = await scene.api<AgentUsageReport>("PUT", `/agents/${spender.agent.name}/budget`, {
      dailyLimitUsd: 10,
    });
    expect(raised.body).toMatchObject({ dailyLimitUsd: 10, limitSource: "owner" });
    await later;

    const cleared = await scene.api<AgentUsageReport>("PUT", `/agents/${spender.agent.name}/budget`, {
      dailyLimitUsd: null,
    });
    expect(cleared.body).toMatchObject({ dailyLimitUsd: FILE_LIMIT, limitSource: "environment" });
  });

  it("refuses a bad limit, and anyone's but the owner's, changing nothing", async () => {
    const before = await usage();
    for (const body of [{ dailyLimitUsd: -1 }, { dailyLimitUsd: "5" }, {}, { dailyLimitUsd: 5, extra: true }]) {
      const refused = await scene.api("PUT", `/agents/${spender.agent.name}/budget`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    const mallory = await createHuman("mallory");
    const asMallory = apiAs(mallory, running.appservice.url);
    expect((await asMallory("PUT", `/agents/${spender.agent.name}/budget`, { dailyLimitUsd: 1000 })).status).toBe(403);
    expect((await asMallory("GET", `/agents/${spender.agent.name}/usage`)).status).toBe(403);
    expect(await usage()).toMatchObject({ dailyLimitUsd: before.dailyLimitUsd, limitSource: before.limitSource });
  });
});
