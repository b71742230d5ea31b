import path from "node:path";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "@aachat/runtime";
import { uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";
import { stopHumans } from "../support/humans.ts";
import { agentInProject, mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { agentRepo, startRuntime, type RuntimeUnderTest } from "../support/runtimeScene.ts";
import { waitForMembership, waitForRoomEvent, waitUntil } from "../support/waits.ts";

describe("a second runtime with a copy of the agent's token", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  const runtimes: RuntimeUnderTest[] = [];

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
  });

  afterAll(async () => {
    for (const { runtime } of runtimes) await runtime.stop("shutdown");
    stopHumans();
    await running?.appservice.close();
  });

  it("replaces the running one, which tells its owner it was displaced; the owner is told in the agent's DM", async () => {
    const agent = await agentInProject(scene, uniqueName("copied"));
    const { dmRoomId } = (await scene.api("GET", `/agents/${agent.name}`)).body as { dmRoomId: string };
    await scene.alice.client.joinRoom(dmRoomId);
    await waitForMembership(scene.alice.client, dmRoomId, scene.alice.userId, "join");
    const serverUrl = running.appservice.url;

    const first = await startRuntime({ serverUrl, agent, repoDir: (await agentRepo(agent.name)).repoDir });
    runtimes.push(first);
    const notice = waitForRoomEvent(scene.alice.client, {
      roomId: dmRoomId,
      type: "m.room.message",
      sender: agent.userId,
      where: (event) => String(event.getContent().body).startsWith("Another runtime"),
    });
    const second = await startRuntime({ serverUrl, agent, repoDir: (await agentRepo(agent.name)).repoDir });
    runtimes.push(second);

    // The owner hears of it in the DM, with what to do if it wasn't them.
    const content = (await notice).getContent();
    expect(content.msgtype).toBe("m.notice");
    expect(content.body).toContain("connected with this agent's token and replaced the one on");
    expect(content.body).toContain(`If this wasn't you, rotate the token: \`aachat agent token rotate ${agent.name}\``);
    expect(content["m.mentions"]).toEqual({ user_ids: [scene.alice.userId] });

    // The first runtime stops for good and says why: in its status, its log and `aachat agent status`.
    expect((await first.runtime.exited).reason).toBe("replaced");
    const status = first.runtime.status();
    expect(status.connected).toBe(false);
    expect(status.displaced).not.toBeNull();
    expect(status.problem).toContain(`displaced: another runtime connected with the token of agent ${agent.name}`);
    const errors = (await readFile(first.logFile, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level >= 50);
    expect(errors.map((entry) => entry.msg).join("\n")).toContain(`aachat agent token rotate ${agent.name}`);
    const shown = await runCli(["agent", "status", agent.name], {
      AACHAT_RUNTIME_DIR: path.dirname(first.paths.dir),
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`The runtime of ${agent.name} is not running on this machine. It was displaced at`);
    expect(shown.stdout).toContain(`If that wasn't you, rotate the token: \`aachat agent token rotate ${agent.name}\``);

    // The newer runtime is the agent's now: it gets the agent's signals.
    expect(second.runtime.status().connected).toBe(true);
    const eventId = await mention(scene, agent, "copied, who is answering now?");
    await waitUntil("the newer runtime took the mention over", async () => {
      const journal = await readFile(path.join(second.paths.dir, JOURNAL_FILE), "utf8").catch(() => "");
      const pending = (await scene.api("GET", `/agents/${agent.name}/signals`)).body as unknown as {
        eventId: string;
      }[];
      return journal.includes(eventId) && !pending.some((signal) => signal.eventId === eventId);
    });
  });
});
