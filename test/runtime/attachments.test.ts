import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ContentBlock } from "@agentclientprotocol/sdk";
import { RUNTIME_MEDIA_DOWNLOAD_PATH } from "@aachat/protocol";
import { runGit } from "@aachat/agent-repo";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { sendContent, stopHumans, type Human } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { agentRequests, marker, runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** Uploads bytes to the homeserver's media repository as the human; resolves with the mxc:// URL. */
async function upload(human: Human, bytes: Uint8Array, name: string, type: string): Promise<string> {
  const url = new URL(`${inject("stack").homeserverUrl}/_matrix/media/v3/upload`);
  url.searchParams.set("filename", name);
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${human.accessToken}`, "content-type": type },
    body: new Blob([new Uint8Array(bytes)]),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { content_uri: string }).content_uri;
}

type ResourceLink = Extract<ContentBlock, { type: "resource_link" }>;

interface LoggedRequest {
  method: string;
  params: { prompt?: ContentBlock[] };
}

describe("images and files sent to an agent reach its prompt", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;

  /** Every prompt the scripted agent received, oldest first. */
  const prompts = async (): Promise<ContentBlock[][]> =>
    (await agentRequests<LoggedRequest>(helper))
      .filter((request) => request.method === "session/prompt")
      .map((request) => request.params.prompt ?? []);
  /** The prompt whose text includes `text`. */
  const promptWith = async (text: string): Promise<ContentBlock[]> =>
    waitUntil(`the agent received a prompt with "${text}"`, async () =>
      (await prompts()).find((blocks) => blocks.some((block) => block.type === "text" && block.text.includes(text))),
    );
  const notice = (roomId: string, about: string) =>
    waitForRoomEvent(scene.alice.client, {
      roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      timeoutMs: 30_000,
      where: (event) => String(event.getContent().body).includes(about),
    });
  const download = (query: Record<string, string>, token: string | null = helper.agent.token) => {
    const url = new URL(running.appservice.url + RUNTIME_MEDIA_DOWNLOAD_PATH);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
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

  it("passes a PNG sent in the DM as an image block with the same bytes", async () => {
    const m = marker();
    const url = await upload(scene.alice, PNG, "dot.png", "image/png");
    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId, (body) =>
      body.includes(m),
    );
    await sendContent(scene.alice, helper.dmRoomId, {
      msgtype: "m.image",
      body: `What colour is this? [reply:Seen ${m}.]`,
      filename: "dot.png",
      url,
      info: { mimetype: "image/png", size: PNG.length, w: 1, h: 1 },
    });
    expect((await reply).body).toBe(`Seen ${m}.`);
    const blocks = await promptWith(m);
    const images = blocks.filter((block) => block.type === "image");
    expect(images).toEqual([{ type: "image", mimeType: "image/png", data: PNG.toString("base64") }]);
    // The caption is the message; the image comes after it.
    expect(blocks.at(-1)).toEqual(images[0]);
  });

  it("saves a text file sent in a thread the agent was asked in, and links it in the prompt", async () => {
    const m = marker();
    const asked = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.includes(`ready ${m}`),
    );
    const root = await mention(scene, helper.agent, `Helper, I'll send you the notes [reply:ready ${m}]`);
    await asked;
    const text = `Release notes ${m}\n- faster sync\n`;
    const bytes = Buffer.from(text);
    const url = await upload(scene.alice, bytes, "notes.txt", "text/plain");
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      body.startsWith("echo:"),
    );
    // No caption and no mention, as Element sends a file: the thread says whom it is for.
    await sendContent(scene.alice, scene.roomId, {
      msgtype: "m.file",
      body: "notes.txt",
      url,
      info: { mimetype: "text/plain", size: bytes.length },
      "m.relates_to": {
        rel_type: "m.thread",
        event_id: root,
        is_falling_back: true,
        "m.in_reply_to": { event_id: root },
      },
    });
    const answer = await reply;
    expect(answer.content["m.relates_to"]).toMatchObject({ rel_type: "m.thread", event_id: root });
    const blocks = await waitUntil("the agent received the file", async () =>
      (await prompts()).find((prompt) => prompt.some((block) => block.type === "resource_link")),
    );
    const link = blocks.find((block): block is ResourceLink => block.type === "resource_link");
    if (!link) throw new Error("no resource_link block");
    expect(link).toMatchObject({ name: "notes.txt", mimeType: "text/plain", size: bytes.length });
    const file = fileURLToPath(link.uri);
    expect(path.basename(path.dirname(file))).toBe("inbox");
    expect(await readFile(file)).toEqual(bytes);
    // Small text is embedded as well, for agents that take embedded context (the scripted one does).
    expect(blocks.find((block) => block.type === "resource")).toEqual({
      type: "resource",
      resource: { uri: link.uri, mimeType: "text/plain", text },
    });
    // The inbox is the session's scratch space, never the agent's memory.
    const workspace = path.resolve(path.dirname(file), "..", "..");
    const status = await runGit(workspace, ["status", "--porcelain", "--untracked-files=all"]);
    expect(status.stdout).not.toContain(".aachat");
  });

  it("tells the room a 30 MB image is too large, and does not prompt for it", async () => {
    const before = (await prompts()).length;
    const big = Buffer.concat([PNG.subarray(0, 16), randomBytes(30 * 1024 * 1024)]);
    const url = await upload(scene.alice, big, "huge.png", "image/png");
    const told = notice(helper.dmRoomId, "huge.png");
    const image = await sendContent(scene.alice, helper.dmRoomId, {
      msgtype: "m.image",
      body: "huge.png",
      url,
      info: { mimetype: "image/png", size: big.length },
    });
    const content = (await told).getContent();
    expect(content.msgtype).toBe("m.notice");
    expect(content.body).toContain("huge.png (30.0 MB): too large");
    expect(content.body).toContain("at most 10.0 MB");
    expect(content["m.relates_to"]).toMatchObject({ "m.in_reply_to": { event_id: image.event_id } });
    // Nothing else to answer: no turn. The next message is answered, and it is the only new prompt.
    const m = marker();
    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId, (body) =>
      body.includes(m),
    );
    await sendContent(scene.alice, helper.dmRoomId, { msgtype: "m.text", body: `Still there? [reply:Yes ${m}]` });
    await reply;
    const after = (await prompts()).slice(before);
    expect(after).toHaveLength(1);
    expect(after[0]!.some((block) => block.type === "image" || block.type === "resource_link")).toBe(false);
  });

  it("refuses a file that claims to be small when its bytes pass the cap, and answers the text", async () => {
    const m = marker();
    const big = randomBytes(11 * 1024 * 1024);
    const url = await upload(scene.alice, big, "small.log", "text/plain");
    const told = notice(helper.dmRoomId, "small.log");
    const reply = waitForFinalReply(scene.alice.client, helper.dmRoomId, helper.agent.userId, (body) =>
      body.includes(m),
    );
    await sendContent(scene.alice, helper.dmRoomId, {
      msgtype: "m.file",
      body: `Here are the logs [reply:Without the logs ${m}]`,
      filename: "small.log",
      url,
      info: { mimetype: "text/plain", size: 1_000 },
    });
    const body = String((await told).getContent().body);
    expect(body).toContain("small.log: too large; files sent to an agent can be at most 10.0 MB");
    expect(body).toContain("I'm answering without it.");
    expect((await reply).body).toBe(`Without the logs ${m}`);
    const blocks = await promptWith(m);
    expect(blocks.every((block) => block.type === "text")).toBe(true);
  });

  it("serves a file only to a runtime whose agent may read the room, and checks every parameter", async () => {
    const url = await upload(scene.alice, PNG, "dot.png", "image/png");
    const image = { msgtype: "m.image", body: "dot.png", url, info: { mimetype: "image/png", size: PNG.length } };
    const inDm = await sendContent(scene.alice, helper.dmRoomId, {
      ...image,
      body: "dot.png [reply:ok]",
      filename: "dot.png",
    });
    const served = await download({ roomId: helper.dmRoomId, eventId: inDm.event_id });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);

    const { room_id: elsewhere } = await scene.alice.client.createRoom({ name: "not for agents" });
    const outside = await sendContent(scene.alice, elsewhere, image);
    const refused = await download({ roomId: elsewhere, eventId: outside.event_id });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ errcode: "M_FORBIDDEN" });

    expect((await download({ roomId: helper.dmRoomId, eventId: inDm.event_id }, null)).status).toBe(401);
    expect((await download({ roomId: helper.dmRoomId, eventId: inDm.event_id }, "rt_not-a-token")).status).toBe(401);
    const badQueries: Record<string, string>[] = [
      { roomId: "not-a-room", eventId: inDm.event_id },
      { roomId: helper.dmRoomId, eventId: inDm.event_id, maxBytes: "0" },
      { roomId: helper.dmRoomId, eventId: inDm.event_id, maxBytes: String(11 * 1024 * 1024) },
      { roomId: helper.dmRoomId, eventId: inDm.event_id, extra: "1" },
    ];
    for (const query of badQueries) {
      const answer = await download(query);
      expect(answer.status, JSON.stringify(query)).toBe(400);
      expect(await answer.json()).toMatchObject({ errcode: "M_INVALID_PARAM" });
    }
    const capped = await download({ roomId: helper.dmRoomId, eventId: inDm.event_id, maxBytes: "10" });
    expect(capped.status).toBe(413);
    expect(await capped.json()).toMatchObject({ errcode: "M_TOO_LARGE" });
  });
});
