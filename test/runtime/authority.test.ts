import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RequestError, Runtime, RuntimeClient, runtimeConfigSchema, runtimePaths } from "@aachat/runtime";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { agentInProject, projectScene, type ProjectScene, type SceneAgent } from "../support/projectScene.ts";
import { STREAM_FIELD, agentRepo, scratchDir, waitForFinalReply, writeRuntimeFiles } from "../support/runtimeScene.ts";
import { uniqueName } from "../support/api.ts";
import { waitUntil } from "../support/waits.ts";

const logger = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));

/** A runtime token acts only as its own agent, only in rooms that agent belongs to. */
describe("a runtime token's authority", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let mine: SceneAgent;
  let theirs: SceneAgent;
  let client: RuntimeClient;

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected the request to be refused");
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(RequestError);
        return (error as RequestError).failure;
      },
    );

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    mine = await agentInProject(scene, uniqueName("mine"), { inProject: false });
    theirs = await agentInProject(scene, uniqueName("theirs"));
    client = new RuntimeClient({
      serverUrl: running.appservice.url,
      token: mine.token,
      logger,
      onSignal: async () => undefined,
    });
    client.start();
    await waitUntil("the client is connected", async () => client.connected);
  });

  afterAll(async () => {
    await client?.stop();
    stopHumans();
    await running?.appservice.close();
  });

  it("cannot post, read or type in a room its agent is not in", async () => {
    const agentsDm = (await scene.api<{ dmRoomId: string }>("GET", `/agents/${theirs.name}`)).body.dmRoomId;
    for (const roomId of [scene.roomId, agentsDm]) {
      expect(await refusal(client.request("message.send", { roomId, body: "let me in", key: `x:${roomId}` }))).toEqual({
        code: "forbidden",
        message: `agent '${mine.name}' is not in that room; add it to the project with \`aachat project add-agent\``,
      });
      expect((await refusal(client.request("room.messages", { roomId, limit: 5 }))).code).toBe("forbidden");
      expect((await refusal(client.request("typing.set", { roomId, typing: true }))).code).toBe("forbidden");
    }
    expect(await running.appservice.db.outboundMessage.count({ where: { senderId: mine.userId } })).toBe(0);
  });

  it("cannot edit another agent's message, even in a room it shares", async () => {
    await scene.api("PUT", `/teams/${scene.slug}/projects/${scene.project}/agents/${mine.name}`);
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, mine.userId);
    const sent = await client.request("message.send", { roomId: scene.roomId, body: "Mine.", key: "mine-1" });
    expect((await reply).eventId).toBe(sent.eventId);
    // Their agent posts too (as its runtime would), then mine tries to edit that message.
    const theirsClient = new RuntimeClient({
      serverUrl: running.appservice.url,
      token: theirs.token,
      logger,
      onSignal: async () => undefined,
    });
    theirsClient.start();
    try {
      await waitUntil("their client is connected", async () => theirsClient.connected);
      const { eventId } = await theirsClient.request("message.send", {
        roomId: scene.roomId,
        body: "Theirs.",
        key: "theirs-1",
      });
      expect(
        await refusal(client.request("message.edit", { roomId: scene.roomId, eventId, body: "Hijacked." })),
      ).toEqual({
        code: "forbidden",
        message: "an agent can edit only its own messages",
      });
    } finally {
      await theirsClient.stop();
    }
  });

  it("posts a message once for one key, and refuses one too large for a Matrix event", async () => {
    const first = await client.request("message.send", { roomId: scene.roomId, body: "Once.", key: "once" });
    const again = await client.request("message.send", { roomId: scene.roomId, body: "Once.", key: "once" });
    expect(again.eventId).toBe(first.eventId);
    const tooLarge = {
      code: "too_large",
      message: expect.stringMatching(
        /^the message's content has \d+ bytes as Matrix sends it .*; the limit is 62464: split it over several messages$/,
      ) as unknown,
    };
    const huge = "x".repeat(40 * 1024);
    expect(await refusal(client.request("message.send", { roomId: scene.roomId, body: huge, key: "huge" }))).toEqual(
      tooLarge,
    );
    // 20 KB fit one message, but not an edit: that carries the text and its HTML twice.
    const long = "y".repeat(20 * 1024);
    const { eventId } = await client.request("message.send", { roomId: scene.roomId, body: long, key: "long" });
    expect(await refusal(client.request("message.edit", { roomId: scene.roomId, eventId, body: `${long}!` }))).toEqual(
      tooLarge,
    );
  });

  it("ends an answer run again after a crash on its final edit, though it showed that text before", async () => {
    const roomId = scene.roomId;
    const answer = (partial: boolean, body: string) =>
      client.request("message.send", { roomId, body, partial, key: "rerun" });
    const edit = (eventId: string, partial: boolean, body: string) =>
      client.request("message.edit", { roomId, eventId, body, partial });
    // The first run streams its answer to the end, then its runtime dies before the signal is done.
    const { eventId } = await answer(true, "Half");
    await edit(eventId, true, "Half of it");
    const firstFinal = await edit(eventId, false, "All of it.");
    // A retried request is the same edit, not a second one.
    expect((await edit(eventId, false, "All of it.")).eventId).toBe(firstFinal.eventId);
    // The run again finds its message and regrows it, passing the whole text while still partial.
    expect((await answer(true, "Half")).eventId).toBe(eventId);
    await edit(eventId, true, "All of it.");
    const secondFinal = await edit(eventId, false, "All of it.");
    expect(secondFinal.eventId).not.toBe(firstFinal.eventId);
    expect(await latestEdit(eventId)).toEqual({ eventId: secondFinal.eventId, body: "All of it.", stream: "final" });
  });

  it("makes an earlier answer final when a turn run again ends before its first write", async () => {
    const roomId = scene.roomId;
    const { eventId } = await client.request("message.send", { roomId, body: "Half", partial: true, key: "fast" });
    const again = await client.request("message.send", { roomId, body: "All of it.", partial: false, key: "fast" });
    expect(again.eventId).toBe(eventId);
    expect(await latestEdit(eventId)).toMatchObject({ body: "All of it.", stream: "final" });
  });

  /** The edit a client shows for the message: the latest, as the homeserver orders them. */
  async function latestEdit(eventId: string): Promise<{ eventId: string; body: unknown; stream: unknown }> {
    const url = `${inject("stack").homeserverUrl}/_matrix/client/v1/rooms/${encodeURIComponent(scene.roomId)}/relations/${encodeURIComponent(eventId)}/m.replace?dir=b&limit=1`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${scene.alice.accessToken}` } });
    const { chunk } = (await response.json()) as { chunk: { event_id: string; content: Record<string, unknown> }[] };
    const shown = chunk[0]!.content["m.new_content"] as Record<string, unknown>;
    return { eventId: chunk[0]!.event_id, body: shown.body, stream: shown[STREAM_FIELD] };
  }

  // Last: its connection replaces this file's client, which acts as the same agent.
  it("acts as its own agent only: a runtime configured for another agent stops at once and says why", async () => {
    const { repoDir } = await agentRepo(theirs.name);
    const paths = runtimePaths(theirs.name, { AACHAT_RUNTIME_DIR: await scratchDir("runtimes") });
    const input = { agent: theirs.name, serverUrl: running.appservice.url, repoDir };
    await writeRuntimeFiles(paths, input, mine.token);
    const runtime = await Runtime.start({
      paths,
      config: runtimeConfigSchema.parse(input),
      token: mine.token,
      log: logger,
    });
    const exit = await runtime.exited;
    expect(exit.reason).toBe("auth");
    expect(exit.error?.message).toBe(
      `the runtime token in ${paths.token} belongs to agent ${mine.name}, not ${theirs.name}; run \`aachat agent token rotate ${theirs.name}\``,
    );
  });
});
