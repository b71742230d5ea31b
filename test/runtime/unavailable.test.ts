import type { MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { agentInProject, mention, projectScene, type ProjectScene, type SceneAgent } from "../support/projectScene.ts";
import { agentRepo, scratchDir, startRuntime, type RuntimeUnderTest } from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

interface AgentView {
  runtime: { state: { sessions: { id: string; status: string }[] } | null };
}

/**
 * A session the runtime brings back after a restart, whose agent command no longer runs:
 * it stays, failed, and each mention it covers is answered with why and where to look.
 */
describe("a session that failed to start", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let agent: SceneAgent;
  let runtime: RuntimeUnderTest | undefined;

  const sessionsOf = async () =>
    (await scene.api<AgentView>("GET", `/agents/${agent.name}`)).body.runtime.state?.sessions ?? [];

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    agent = await agentInProject(scene, uniqueName("broken"), { displayName: "Broken" });
    const { repoDir } = await agentRepo(agent.name);
    const runtimesDir = await scratchDir("unavailable-runtimes");
    const serverUrl = running.appservice.url;
    runtime = await startRuntime({ serverUrl, agent, repoDir, runtimesDir });
    const started = await scene.api("POST", `/agents/${agent.name}/sessions`, { projects: [scene.project] });
    expect(started.status).toBe(201);
    await runtime.runtime.stop("shutdown"); // keeps its sessions, to restore at the next start
    const missing = `${await scratchDir("no-agent")}/no-such-agent`;
    runtime = await startRuntime({ serverUrl, agent, repoDir, runtimesDir, config: { agentCommand: [missing] } });
    await waitUntil("the restored session has failed", async () =>
      (await sessionsOf()).some((session) => session.status === "failed"),
    );
  });

  afterAll(async () => {
    await runtime?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("answers a mention in its thread with a notice saying the session failed and where to see why", async () => {
    const [session] = await sessionsOf();
    const answer = waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: agent.userId,
      where: (event: MatrixEvent) => String(event.getContent().body).startsWith("⚠️ I can't answer"),
    });
    const mentionId = await mention(scene, agent, "Broken, are you there?");
    const content = (await answer).getContent();
    expect(content.msgtype).toBe("m.notice");
    expect(content.body).toContain(`my session ${session!.id} failed to start (`);
    expect(content.body).toContain(`${scene.alice.userId} can see why with \`aachat agent logs ${agent.name}\``);
    expect(content["m.relates_to"]).toMatchObject({ "m.in_reply_to": { event_id: mentionId } });
  });
});
