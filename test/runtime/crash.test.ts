import { spawn, type ChildProcess } from "node:child_process";
import { RoomEvent, type MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIME_BIN, runtimePaths } from "@aachat/runtime/local";
import { uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { agentInProject, mention, projectScene, type ProjectScene, type SceneAgent } from "../support/projectScene.ts";
import {
  agentRepo,
  scratchDir,
  scriptedAgentCommand,
  waitForFinalReply,
  writeRuntimeFiles,
} from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

/** The runtime as its own process, as `aachat agent start` runs it. */
function launch(name: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [RUNTIME_BIN, name], { env, stdio: ["ignore", "ignore", "inherit"] });
}

describe("a runtime killed in the middle of a turn", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let agent: SceneAgent;
  let env: NodeJS.ProcessEnv;
  let runtime: ChildProcess | undefined;

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    agent = await agentInProject(scene, uniqueName("sturdy"), { displayName: "Sturdy" });
    const { repoDir } = await agentRepo(agent.name);
    env = { ...process.env, AACHAT_RUNTIME_DIR: await scratchDir("crash-runtimes") };
    const input = {
      agent: agent.name,
      serverUrl: running.appservice.url,
      repoDir,
      agentCommand: scriptedAgentCommand(),
      editIntervalMs: 200,
    };
    await writeRuntimeFiles(runtimePaths(agent.name, env), input, agent.token);
    runtime = launch(agent.name, env);
    await waitUntil(
      "the runtime is online",
      async () =>
        (await scene.api<{ runtime: { online: boolean } }>("GET", `/agents/${agent.name}`)).body.runtime.online,
    );
    const started = await scene.api("POST", `/agents/${agent.name}/sessions`, { projects: [scene.project] });
    expect(started.status).toBe(201);
  });

  afterAll(async () => {
    runtime?.kill("SIGTERM");
    if (runtime && runtime.exitCode === null) await new Promise((resolve) => runtime!.once("exit", resolve));
    stopHumans();
    await running?.appservice.close();
  });

  it("yields exactly one complete reply after SIGKILL and a restart", async () => {
    const answer = Array.from({ length: 8 }, (_, i) => `Part ${i + 1} of a long answer.`).join(" ");
    const agentMessages: MatrixEvent[] = [];
    const collect = (event: MatrixEvent) => {
      if (
        event.getRoomId() === scene.roomId &&
        event.getSender() === agent.userId &&
        event.getType() === "m.room.message"
      ) {
        agentMessages.push(event);
      }
    };
    scene.alice.client.on(RoomEvent.Timeline, collect);
    try {
      const firstPart = waitForRoomEvent(scene.alice.client, {
        roomId: scene.roomId,
        type: "m.room.message",
        sender: agent.userId,
      });
      const final = waitForFinalReply(
        scene.alice.client,
        scene.roomId,
        agent.userId,
        (body) => body === answer,
        60_000,
      );
      const asked = await mention(scene, agent, `Sturdy, tell me everything [reply:${answer}][chunks:8][delay:400]`);
      await firstPart;
      runtime!.kill("SIGKILL");
      await new Promise((resolve) => runtime!.once("exit", resolve));

      runtime = launch(agent.name, env);
      const reply = await final;
      expect(reply.body).toBe(answer);
      const answers = agentMessages.filter((event) => event.getContent()["m.relates_to"]?.rel_type !== "m.replace");
      expect(answers.map((event) => event.getId())).toEqual([reply.eventId]);
      expect(reply.content["m.relates_to"]).toEqual({ "m.in_reply_to": { event_id: asked } });
      await waitUntil(
        "the signal is acknowledged",
        async () => (await scene.api<unknown[]>("GET", `/agents/${agent.name}/signals`)).body.length === 0,
      );
    } finally {
      scene.alice.client.off(RoomEvent.Timeline, collect);
    }
  });
});
