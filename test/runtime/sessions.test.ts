import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGit } from "@aachat/agent-repo";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { sendContent, stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import {
  agentRequests,
  runningAgent,
  scratchDir,
  waitForFinalReply,
  type RunningAgent,
} from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

interface AgentView {
  runtime: {
    online: boolean;
    state: { version: string; sessions: { id: string; status: string; conversation: string }[] } | null;
  };
}

describe("an agent's sessions (scripted ACP agent)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;

  const sessionsOf = async (name: string) =>
    (await scene.api<AgentView>("GET", `/agents/${name}`)).body.runtime.state?.sessions ?? [];
  const ask = async (agent: RunningAgent, body: string, where: (text: string) => boolean) => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, agent.agent.userId, where);
    await mention(scene, agent.agent, body);
    return (await reply).body;
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    helper = await runningAgent(scene, running.appservice.url, {
      prefix: "helper",
      displayName: "Helper",
      logRequests: true,
    });
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("reports its sessions in the agent's runtime state, and refuses to cover a project twice", async () => {
    const agent = (await scene.api<AgentView>("GET", `/agents/${helper.agent.name}`)).body;
    expect(agent.runtime).toMatchObject({ online: true, state: { version: "0.1.0" } });
    expect(await sessionsOf(helper.agent.name)).toMatchObject([
      { id: helper.sessionId, status: "ready", conversation: "new" },
    ]);
    const again = await scene.api("POST", `/agents/${helper.agent.name}/sessions`, { projects: [scene.project] });
    expect(again).toMatchObject({ status: 201, body: { alreadyRunning: true, session: { id: helper.sessionId } } });

    await scene.api("POST", `/teams/${scene.slug}/projects`, { name: "docs" });
    await scene.api("PUT", `/teams/${scene.slug}/projects/docs/agents/${helper.agent.name}`);
    const overlap = await scene.api("POST", `/agents/${helper.agent.name}/sessions`, {
      projects: ["docs", scene.project],
    });
    expect(overlap).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
    expect((overlap.body as { error: { message: string } }).error.message).toBe(
      `session ${helper.sessionId} already covers ${scene.slug}/${scene.project}; stop it first, or start a session for other projects`,
    );
    const unknown = await scene.api("POST", `/agents/${helper.agent.name}/sessions`, { projects: ["nowhere"] });
    expect(unknown).toMatchObject({ status: 404 });
    expect((unknown.body as { error: { message: string } }).error.message).toContain(
      `agent '${helper.agent.name}' is not in a project 'nowhere' (its projects: ${scene.slug}/docs, ${scene.slug}/${scene.project})`,
    );
    expect(await sessionsOf(helper.agent.name)).toHaveLength(1);
  });

  it("restarts a session and resumes its conversation", async () => {
    const before = await ask(helper, "Helper [whoami]", (text) => text.startsWith("session "));
    const match = /^session (\S+) loaded=false prompts=(\d+)$/.exec(before);
    expect(match).not.toBeNull();
    const restarted = await scene.api("POST", `/agents/${helper.agent.name}/sessions/${helper.sessionId}/restart`);
    expect(restarted).toMatchObject({
      status: 200,
      body: { session: { id: helper.sessionId, status: "ready", conversation: "resumed" } },
    });
    const after = await ask(helper, "Helper [whoami] again", (text) => text.startsWith("session ") && text !== before);
    expect(after).toBe(`session ${match![1]} loaded=true prompts=${Number(match![2]) + 1}`);
  });

  it("compacts a session's conversation on request", async () => {
    const compacted = await scene.api("POST", `/agents/${helper.agent.name}/sessions/${helper.sessionId}/compact`);
    expect(compacted.status).toBe(204);
    const log = await agentRequests<{ method: string; params: { prompt?: { text?: string }[] } }>(helper);
    expect(log.filter((entry) => entry.method === "session/prompt").at(-1)?.params.prompt?.[0]?.text).toBe("/compact");
  });

  it("brings the session back when its agent process dies mid-turn, runs the turn once more, then says so in the room", async () => {
    const crashed = await ask(helper, "Helper, crash now [crash]", (text) => text.includes("⚠️"));
    expect(crashed).toMatch(
      /^⚠️ The agent process stopped during this turn \(exit code 1\)\. The session is restarting; ask again\.$/,
    );
    const prompts = (await agentRequests<{ method: string; params: unknown }>(helper)).filter(
      (entry) => entry.method === "session/prompt" && JSON.stringify(entry.params).includes("crash now"),
    );
    expect(prompts).toHaveLength(2);
    await waitUntil(
      "the session is ready again",
      async () => (await sessionsOf(helper.agent.name))[0]?.status === "ready",
    );
    expect(await ask(helper, "Helper [whoami] after the crash", (text) => text.startsWith("session "))).toMatch(
      /loaded=true/,
    );
  });

  it("tells the room which agent must be signed in, on which machine, when it refuses a prompt for that", async () => {
    const refused = await ask(helper, "Helper, are you signed in? [fail:auth]", (text) => text.includes("⚠️"));
    expect(refused).toBe(
      `⚠️ scripted-agent is not signed in on ${hostname()}: sign it in there, then \`aachat agent restart ${helper.agent.name}\`.`,
    );
    expect(await ask(helper, "Helper [reply:still here]", (text) => text === "still here")).toBe("still here");
  });

  it("commits and pushes what a turn changed in the agent's repository", async () => {
    await ask(
      helper,
      "Helper, remember this [write:CLAUDE.md:- Alice likes tea][reply:Noted.]",
      (text) => text === "Noted.",
    );
    const pushed = await waitUntil("the memory reached origin", async () => {
      const { stdout } = await runGit(helper.originDir, ["show", "main:CLAUDE.md"], { allowFailure: true });
      return stdout.includes("- Alice likes tea") ? stdout : false;
    });
    expect(pushed).toContain("# Who you are");
    const { stdout: message } = await runGit(helper.originDir, ["log", "-1", "--format=%s", "main"]);
    expect(message.trim()).toBe(
      `Memory: session ${helper.sessionId} covering ${scene.slug}/${scene.project} after a turn`,
    );
  });

  it("tells its owner in the DM when memory conflicts with what was pushed meanwhile, losing neither side", async () => {
    const elsewhere = path.join(await scratchDir("clone"), "clone");
    await runGit(path.dirname(elsewhere), ["clone", "--quiet", helper.originDir, elsewhere]);
    await writeFile(path.join(elsewhere, "notes.md"), "theirs\n");
    await runGit(elsewhere, ["add", "notes.md"]);
    await runGit(elsewhere, [
      "-c",
      "user.name=Other",
      "-c",
      "user.email=o@example.org",
      "commit",
      "--quiet",
      "-m",
      "Their notes",
    ]);
    await runGit(elsewhere, ["push", "--quiet", "origin", "main"]);

    const notice = waitForRoomEvent(scene.alice.client, {
      roomId: helper.dmRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).includes("Memory not published"),
    });
    await ask(helper, "Helper, take notes [write:notes.md:ours][reply:Written.]", (text) => text === "Written.");
    const body = String((await notice).getContent().body);
    expect(body).toContain("both changed notes.md");
    expect(body).toContain("Nothing is lost");
    const { stdout: theirs } = await runGit(helper.originDir, ["show", "main:notes.md"]);
    expect(theirs).toBe("theirs\n");
  });

  it("runs a second session with other coverage: each project's mentions go to the session covering it", async () => {
    // The first test put the agent in docs too; a second session covers it.
    const second = await scene.api<{ session: { id: string } }>("POST", `/agents/${helper.agent.name}/sessions`, {
      projects: ["docs"],
    });
    expect(second).toMatchObject({ status: 201, body: { alreadyRunning: false, session: { status: "ready" } } });
    expect((await sessionsOf(helper.agent.name)).map((session) => session.id).sort()).toEqual(
      [helper.sessionId, second.body.session.id].sort(),
    );
    const docsRoomId = (await scene.api<{ roomId: string }>("GET", `/teams/${scene.slug}/projects/docs`)).body.roomId;
    await scene.alice.client.joinRoom(docsRoomId);
    const inSite = await ask(helper, "Helper [whoami] in site", (text) => text.startsWith("session "));
    const docsReply = waitForFinalReply(scene.alice.client, docsRoomId, helper.agent.userId, (text) =>
      text.startsWith("session "),
    );
    await sendContent(scene.alice, docsRoomId, {
      msgtype: "m.text",
      body: "Helper [whoami] in docs",
      "m.mentions": { user_ids: [helper.agent.userId] },
    });
    const inDocs = (await docsReply).body;
    expect(inDocs).toMatch(/^session \S+ loaded=false prompts=1$/);
    expect(inDocs.split(" ")[1]).not.toBe(inSite.split(" ")[1]);
    expect(
      (await scene.api("POST", `/agents/${helper.agent.name}/sessions/${second.body.session.id}/stop`)).status,
    ).toBe(204);
  });

  it("stops a session: its mentions then go to the owner's DM", async () => {
    const stopped = await scene.api("POST", `/agents/${helper.agent.name}/sessions/${helper.sessionId}/stop`);
    expect(stopped.status).toBe(204);
    expect(await sessionsOf(helper.agent.name)).toEqual([]);
    const notice = waitForRoomEvent(scene.alice.client, {
      roomId: helper.dmRoomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => String(event.getContent().body).includes("none of my sessions covers it"),
    });
    await mention(scene, helper.agent, "Helper, are you there?");
    await notice;
    const missing = await scene.api("POST", `/agents/${helper.agent.name}/sessions/${helper.sessionId}/stop`);
    expect(missing).toMatchObject({ status: 404 });
  });

  it("says the runtime is not running when it is not", async () => {
    await helper.runtime.stop("shutdown");
    await waitUntil(
      "the runtime is offline",
      async () => !(await scene.api<AgentView>("GET", `/agents/${helper.agent.name}`)).body.runtime.online,
    );
    const offline = await scene.api("POST", `/agents/${helper.agent.name}/sessions`, { projects: [scene.project] });
    expect(offline).toMatchObject({ status: 503, body: { error: { code: "runtime_unavailable" } } });
    expect((offline.body as { error: { message: string } }).error.message).toContain(
      "aachat agent start NAME -p PROJECT",
    );
  });
});
