import { readFile } from "node:fs/promises";
import path from "node:path";
import { RoomEvent, type MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOURNAL_FILE } from "@aachat/runtime";
import { apiAs } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";
import { createHuman, sendContent, stopHumans, type Human } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { agentRequests, runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForMembership, waitUntil } from "../support/waits.ts";

interface AgentView {
  runtime: { state: { sessions: { id: string; mode?: string | null; model?: string | null }[] } | null };
}

interface Received {
  method: string;
  pid: number;
  params: { modeId?: string; configId?: string; value?: string; prompt?: { type: string; text?: string }[] };
}

/** Chat commands (`!help`, `!mode`, `!model`, `!cancel`, `!status`, the agent's own) on the real stack. */
describe("chat commands to an agent (scripted ACP agent)", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;
  let bob: Human; // a team admin, not the agent's owner
  let carol: Human; // a plain team member
  /** Every message the agent posted in the project room and the DM, as alice's client saw it. */
  const posted: MatrixEvent[] = [];
  /** The command messages sent, to check each was answered once. */
  const commands: { roomId: string; eventId: string }[] = [];

  const received = () => agentRequests<Received>(helper);
  const sessionState = async () =>
    (await scene.api<AgentView>("GET", `/agents/${helper.agent.name}`)).body.runtime.state?.sessions[0];

  /** Sends a command (in the project, mentioning the agent; or in the DM) and resolves with the notice answering it. */
  const command = async (
    body: string,
    options: { as?: Human; dm?: boolean } = {},
  ): Promise<{ eventId: string; answer: string; msgtype: string }> => {
    const as = options.as ?? scene.alice;
    const roomId = options.dm ? helper.dmRoomId : scene.roomId;
    const content = options.dm
      ? { msgtype: "m.text", body }
      : { msgtype: "m.text", body: `Helper: ${body}`, "m.mentions": { user_ids: [helper.agent.userId] } };
    const { event_id: eventId } = await sendContent(as, roomId, content);
    commands.push({ roomId, eventId });
    const answer = await waitUntil(`the agent answered ${body}`, async () => answersTo(eventId)[0]);
    return { eventId, answer: String(answer.getContent().body), msgtype: String(answer.getContent().msgtype) };
  };
  const answersTo = (eventId: string) =>
    posted.filter(
      (event) =>
        (event.getContent()["m.relates_to"] as { "m.in_reply_to"?: { event_id: string } } | undefined)?.[
          "m.in_reply_to"
        ]?.event_id === eventId,
    );

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    helper = await runningAgent(scene, running.appservice.url, {
      prefix: "helper",
      displayName: "Helper",
      logRequests: true,
    });
    scene.alice.client.on(RoomEvent.Timeline, (event: MatrixEvent) => {
      if (event.getSender() === helper.agent.userId && event.getType() === "m.room.message") posted.push(event);
    });
    bob = await createHuman("bob");
    carol = await createHuman("carol");
    for (const [human, role] of [
      [bob, "admin"],
      [carol, "member"],
    ] as const) {
      await scene.api("PUT", `/teams/${scene.slug}/members/${encodeURIComponent(human.userId)}`, { role });
      await apiAs(human, running.appservice.url)("POST", `/teams/${scene.slug}/projects/${scene.project}/join`);
      await human.client.joinRoom(scene.roomId);
      await waitForMembership(scene.alice.client, scene.roomId, human.userId, "join");
    }
    // The agent announces its slash commands just after the session opened.
    await waitUntil("the agent announced its commands", async () => (await sessionState())?.mode === "default");
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("lists aachat's commands, the modes and models (current marked) and the agent's own commands", async () => {
    const { answer, msgtype } = await command("!help");
    expect(msgtype).toBe("m.notice");
    for (const line of [
      "- `!mode NAME` — switch the session's mode",
      "- `!model NAME` — switch the model",
      "- `!compact` — compact the conversation",
      "- `!cancel` — stop the running turn here",
      "- `!status` — what the session is doing",
      "- `default` — Manual ← current",
      "- `plan`\n",
      "- `bypassPermissions` — Bypass permissions",
      "- `sonnet` ← current",
      "- `!review …` — Review the changes on this branch",
      "- `!init` — Write a CLAUDE.md for this repository",
    ]) {
      expect(answer).toContain(line);
    }
  });

  it("switches the mode with session/set_mode, confirms it, and shows it in the runtime state and `aachat agent status`", async () => {
    const { answer } = await command("!mode plan", { dm: true });
    expect(answer).toBe("Mode: `plan` (was `default`).");
    expect((await received()).filter((r) => r.method === "session/set_mode").map((r) => r.params.modeId)).toEqual([
      "plan",
    ]);
    await waitUntil("the state shows mode plan", async () => (await sessionState())?.mode === "plan");
    expect(await sessionState()).toMatchObject({ mode: "plan", model: "sonnet" });
    const shown = await runCli(["agent", "status", helper.agent.name], {
      AACHAT_RUNTIME_DIR: path.dirname(helper.paths.dir),
    });
    expect(shown.stdout).toContain(`session ${helper.sessionId} covering ${scene.slug}/${scene.project}: ready`);
    expect(shown.stdout).toContain("mode plan · model sonnet");
    const { answer: status } = await command("!status");
    expect(status).toBe(
      `Session \`${helper.sessionId}\`: ready · mode plan · model sonnet · 0 queued · no turn running`,
    );
  });

  it("changes nothing for an unknown mode, and says which are valid", async () => {
    const { answer } = await command("!mode nonsense");
    expect(answer).toBe(
      "Unknown mode `nonsense`. Choose one of: `default`, `acceptEdits`, `plan`, `bypassPermissions`.",
    );
    expect((await received()).filter((r) => r.method === "session/set_mode")).toHaveLength(1);
    expect((await sessionState())?.mode).toBe("plan");
  });

  it("refuses `!model` from a plain team member, and `bypassPermissions` from a team admin who is not the owner", async () => {
    const byCarol = await command("!model opus", { as: carol });
    expect(byCarol.answer).toBe(
      `Only my owner ${scene.alice.userId} or an owner or admin of the team may switch my model.`,
    );
    const byBob = await command("!mode bypassPermissions", { as: bob });
    expect(byBob.answer).toBe(`Only my owner ${scene.alice.userId} may switch me to \`bypassPermissions\`.`);
    const log = await received();
    expect(log.filter((r) => r.method === "session/set_config_option")).toHaveLength(0);
    expect(log.filter((r) => r.method === "session/set_mode")).toHaveLength(1);
    expect(await sessionState()).toMatchObject({ mode: "plan", model: "sonnet" });
    // A team admin may switch to the other modes, and the owner the model.
    expect((await command("!mode acceptEdits", { as: bob })).answer).toBe("Mode: `acceptEdits` (was `plan`).");
    expect((await command("!model opus")).answer).toBe("Model: `opus` (was `sonnet`).");
    expect(
      (await received()).filter((r) => r.method === "session/set_config_option").map((r) => r.params),
    ).toMatchObject([{ configId: "model", value: "opus" }]);
    await waitUntil("the state shows the new model", async () => (await sessionState())?.model === "opus");
  });

  it("sends the agent's own commands as the prompt's first text block", async () => {
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("some args"),
    );
    await mention(scene, helper.agent, "Helper: !review some args");
    await reply;
    const reviewReply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("/init"),
    );
    await mention(scene, helper.agent, "@Helper /init");
    await reviewReply;
    // A `/word` the agent has no command for is an ordinary message.
    const plain = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("/tmp is full"),
    );
    await mention(scene, helper.agent, "@Helper /tmp is full");
    await plain;
    const prompts = (await received()).filter((r) => r.method === "session/prompt").map((r) => r.params.prompt!);
    expect(prompts.map((blocks) => blocks[0])).toEqual([
      { type: "text", text: "/review some args" },
      { type: "text", text: "/init" },
      expect.objectContaining({ type: "text", text: expect.stringContaining("You are Helper") }),
    ]);
  });

  it("compacts the conversation with `!compact`, and says so once done", async () => {
    const { answer } = await command("!compact", { dm: true });
    expect(answer).toBe("🗜️ Conversation compacted.");
    const prompts = (await received()).filter((r) => r.method === "session/prompt").map((r) => r.params.prompt!);
    expect(prompts.at(-1)).toEqual([{ type: "text", text: "/compact" }]);
  });

  it("answers an unknown `!word` with a pointer to !help and no turn", async () => {
    const before = (await received()).filter((r) => r.method === "session/prompt").length;
    const { answer } = await command("!frobnicate now");
    expect(answer).toBe("`!frobnicate` is not a command I know. Send `!help` for the list.");
    expect((await received()).filter((r) => r.method === "session/prompt")).toHaveLength(before);
  });

  it("stops a hanging turn with `!cancel`, at once, while the turn runs", async () => {
    const stopped = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("Stopped by"),
    );
    await mention(scene, helper.agent, "Helper: take your time [hang]");
    await waitUntil("the turn runs", helperBusy);
    const { answer } = await command("!cancel");
    expect(answer).toBe("🛑 Stopping the running turn.");
    expect((await stopped).body).toContain(`_Stopped by ${scene.alice.userId}._`);
    expect((await received()).some((r) => r.method === "session/cancel")).toBe(true);
  });

  it("applies the chosen mode and model again when the agent process restarts", async () => {
    const pids = new Set((await received()).map((r) => r.pid));
    const answered = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes("The agent process stopped"),
    );
    await mention(scene, helper.agent, "Helper: [crash]");
    await answered.catch(() => undefined);
    const again = await waitUntil(
      "the new agent process was given the mode and model",
      async () => {
        const fresh = (await received()).filter((r) => !pids.has(r.pid));
        const mode = fresh.find((r) => r.method === "session/set_mode");
        const model = fresh.find((r) => r.method === "session/set_config_option");
        return mode && model ? { mode: mode.params.modeId, model: model.params.value } : undefined;
      },
      30_000,
    );
    expect(again).toEqual({ mode: "acceptEdits", model: "opus" });
    await waitUntil("the state shows them", async () => {
      const state = await sessionState();
      return state?.mode === "acceptEdits" && state.model === "opus";
    });
  });

  it("answered every command once and marked each signal done", async () => {
    for (const { eventId } of commands) expect(answersTo(eventId), eventId).toHaveLength(1);
    const lines = (await readFile(path.join(helper.paths.dir, JOURNAL_FILE), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { t: string; id?: string; signal?: { id: string; eventId: string } });
    const ids = new Map(lines.flatMap((l) => (l.t === "taken" ? [[l.signal!.eventId, l.signal!.id] as const] : [])));
    for (const { eventId } of commands) {
      const signalId = ids.get(eventId);
      expect(signalId, eventId).toBeDefined();
      expect(lines.filter((l) => l.t === "done" && l.id === signalId)).toHaveLength(1);
    }
  });

  async function helperBusy(): Promise<boolean> {
    return (
      (
        await scene.api<{ runtime: { state: { sessions: { status: string }[] } } }>(
          "GET",
          `/agents/${helper.agent.name}`,
        )
      ).body.runtime.state.sessions[0]?.status === "busy"
    );
  }
});
