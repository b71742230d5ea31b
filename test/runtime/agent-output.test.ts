import { symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MAX_UPLOAD_BYTES, RUNTIME_MEDIA_UPLOAD_PATH, type RuntimeState } from "@aachat/protocol";
import { canonicalJsonBytes } from "@aachat/protocol/messageContent";
import { workspaceLocation } from "@aachat/agent-repo";
import { fileDiff } from "@aachat/runtime";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { marker, runningAgent, waitForFinalReply, type RunningAgent } from "../support/runtimeScene.ts";
import { scriptedEdit } from "../support/scripted-agent/content.ts";
import { waitForRoomEvent, waitUntil } from "../support/waits.ts";

/** What the agent changed, what it printed and what it cost, and the files it posts (scripted ACP agent). */
describe("an agent's changes, output, cost and files in chat", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: RunningAgent;
  let workspace: string;

  /** Asks the agent in the project; resolves with its final answer (`done TAG`, or what `where` finds). */
  const ask = async (directives: string, where?: (body: string) => boolean) => {
    const tag = marker();
    const reply = waitForFinalReply(scene.alice.client, scene.roomId, helper.agent.userId, (body) =>
      where ? where(body) : body.includes(tag),
    );
    await mention(scene, helper.agent, `Helper ${where ? "" : `[reply:done ${tag}]`}${directives}`);
    return reply;
  };

  /** The next file the agent posts in the project room. */
  const nextFile = (name: string): Promise<MatrixEvent> =>
    waitForRoomEvent(scene.alice.client, {
      roomId: scene.roomId,
      type: "m.room.message",
      sender: helper.agent.userId,
      where: (event) => event.getContent().body === name,
    });

  /** The bytes of an mxc:// URL, downloaded as a person in the room. */
  const downloaded = async (mxc: string): Promise<Buffer> => {
    const [server, mediaId] = mxc.slice("mxc://".length).split("/") as [string, string];
    const response = await fetch(
      `${inject("stack").homeserverUrl}/_matrix/client/v1/media/download/${server}/${mediaId}`,
      { headers: { authorization: `Bearer ${scene.alice.accessToken}` } },
    );
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    helper = await runningAgent(scene, running.appservice.url, { prefix: "helper", displayName: "Helper" });
    workspace = workspaceLocation(helper.repoDir, helper.sessionId).dir;
  });

  afterAll(async () => {
    await helper?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  it("shows a small edit as a diff under its tool line, collapsed in HTML", async () => {
    const answer = await ask("[diff:src/app.ts:3]");
    expect(answer.body).toContain(
      [
        "_▸ Edit src/app.ts_ ✓",
        "```diff src/app.ts +3 −3",
        "@@ -1,9 +1,9 @@",
        " line 1: the original text",
        " line 2: the original text",
        " line 3: the original text",
        "-line 4: the original text",
      ].join("\n"),
    );
    expect(answer.body).toContain("+line 6: the text as the agent changed it\n line 7: the original text");
    expect(answer.html).toContain(
      '<details><summary>src/app.ts +3 −3</summary><pre><code class="language-diff">@@ -1,9 +1,9 @@\n line 1: the original text\n',
    );
    expect(answer.html).toContain("</code></pre></details>");
  });

  it("keeps a 10-line edit's message small", async () => {
    const answer = await ask("[diff:src/app.ts:10]");
    expect(answer.body).toContain("```diff src/app.ts +10 −10");
    const bytes = canonicalJsonBytes(answer.content);
    expect(bytes).toBeLessThan(4096);
  });

  it("attaches a large diff as a .diff file in the thread, with its first lines inline", async () => {
    const file = nextFile("big.ts.diff");
    const answer = await ask("[diff:src/big.ts:60]");
    const shown = /```diff src\/big\.ts \+60 −60\n([\s\S]*?)\n```/.exec(answer.body);
    expect(shown?.[1]?.split("\n")).toHaveLength(12);
    expect(answer.body).toContain("_… 115 more lines: the whole diff is attached as big.ts.diff_");
    expect(answer.html).toContain("<details><summary>src/big.ts +60 −60</summary>");

    const content = (await file).getContent();
    expect(content).toMatchObject({ msgtype: "m.file", body: "big.ts.diff", info: { mimetype: "text/x-diff" } });
    expect(content["m.relates_to"]).toEqual(answer.content["m.relates_to"]);
    const { oldText, newText } = scriptedEdit(60);
    const whole = fileDiff("src/big.ts", oldText, newText).patch;
    expect((await downloaded(content.url as string)).toString()).toBe(whole);
    expect(content.info.size).toBe(Buffer.byteLength(whole));
  });

  it("shows a command's output collapsed, and attaches long output", async () => {
    const short = await ask("[terminal:3]");
    expect(short.body).toContain(
      "_▸ npm test_ ✓\n```console output, 3 lines\noutput line 1 of 3\noutput line 2 of 3\noutput line 3 of 3\n```",
    );
    expect(short.html).toContain("<details><summary>output, 3 lines</summary>");

    const file = nextFile("output-1.txt");
    const long = await ask("[terminal:500]");
    expect(long.body).toContain("output line 6 of 500\n… 488 lines …\noutput line 495 of 500\n");
    expect(long.body).toContain("_The whole output is attached as output-1.txt_");
    const content = (await file).getContent();
    expect(content).toMatchObject({ msgtype: "m.file", info: { mimetype: "text/plain" } });
    const text = (await downloaded(content.url as string)).toString();
    expect(text.split("\n")).toHaveLength(500);
    expect(text.endsWith("output line 500 of 500")).toBe(true);
  });

  it("ends each turn with its tokens and cost and the session's growing total", async () => {
    const first = await ask("[usage:1234:0.042]");
    expect(first.body).toMatch(/^done \w+\n\n_1\.2k tokens · \$0\.042 · session \$0\.042_$/);
    const second = await ask("[usage:800:0.5]");
    expect(second.body).toMatch(/^done \w+\n\n_800 tokens · \$0\.500 · session \$0\.542_$/);
    expect(second.html).toMatch(/<p><em>800 tokens · \$0\.500 · session \$0\.542<\/em><\/p>$/);
    // The session reports its running total to the console and the CLI.
    const reported = await waitUntil("the session reports its usage", async () => {
      const { body } = await scene.api<{ runtime: { state: RuntimeState | null } }>(
        "GET",
        `/agents/${helper.agent.name}`,
      );
      const usage = body.runtime.state?.sessions.find((session) => session.id === helper.sessionId)?.usage;
      return usage && usage.tokens === 2034 ? usage : false;
    });
    expect(reported).toEqual({ tokens: 2034, costUsd: 0.542 });
    // An agent that reports no usage gets no footer.
    expect((await ask("")).body).toMatch(/^done \w+$/);
  });

  it("posts a file from its workspace with send_file, in the thread it was asked in", async () => {
    const file = nextFile("report.txt");
    const text = `Weekly report <${marker()}> & "quotes"`;
    const answer = await ask(`[write:out/report.txt:${text}][mcp:send_file:{"path":"out/report.txt"}]`, (body) =>
      body.includes("report.txt"),
    );
    expect(answer.body).toMatch(/mcp: Posted report\.txt \(\d+ bytes, text\/plain\) in this conversation/);
    const content = (await file).getContent();
    expect(content).toMatchObject({
      msgtype: "m.file",
      body: "report.txt",
      filename: "report.txt",
      info: { mimetype: "text/plain", size: Buffer.byteLength(`${text}\n`) },
    });
    expect(content["m.relates_to"]).toEqual(answer.content["m.relates_to"]);
    expect((await downloaded(content.url as string)).equals(Buffer.from(`${text}\n`))).toBe(true);
  });

  it("refuses with send_file a path out of its workspace, a symlink out of it, and a file too large", async () => {
    const outside = await ask('[mcp:send_file:{"path":"../../etc/passwd"}]', (body) => body.includes("passwd"));
    expect(outside.body).toContain(
      `mcp error: ../../etc/passwd is outside your workspace (${workspace}); only files in it can be posted`,
    );
    await symlink("/etc/passwd", join(workspace, "passwd-link"));
    const linked = await ask('[mcp:send_file:{"path":"passwd-link"}]', (body) => body.includes("passwd-link"));
    expect(linked.body).toContain(`mcp error: passwd-link is outside your workspace`);
    await writeFile(join(workspace, "huge.bin"), "");
    await truncate(join(workspace, "huge.bin"), MAX_UPLOAD_BYTES + 1);
    const huge = await ask('[mcp:send_file:{"path":"huge.bin"}]', (body) => body.includes("huge.bin"));
    expect(huge.body).toContain(
      `mcp error: huge.bin has ${MAX_UPLOAD_BYTES + 1} bytes; the largest file you can post has ${MAX_UPLOAD_BYTES} bytes`,
    );
    for (const answer of [outside, linked, huge]) expect(answer.body).toContain("_▸ mcp send_file_ ✗");
  });

  it("takes uploads only with the agent's runtime token, and refuses one over the limit with a 413", async () => {
    const url = `${running.appservice.url}${RUNTIME_MEDIA_UPLOAD_PATH}?name=a.txt`;
    const upload = (token: string | null, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "text/plain", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body,
      });
    expect((await upload(null, new TextEncoder().encode("hi"))).status).toBe(401);
    expect((await upload("rt_not-a-token", new TextEncoder().encode("hi"))).status).toBe(401);
    const ok = await upload(helper.agent.token, new TextEncoder().encode("hi"));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { mxcUrl: string }).mxcUrl).toMatch(/^mxc:\/\//);
    const tooLarge = await upload(helper.agent.token, new Uint8Array(MAX_UPLOAD_BYTES + 1));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({
      errcode: "M_TOO_LARGE",
      error: `the file has ${MAX_UPLOAD_BYTES + 1} bytes; an agent may post at most ${MAX_UPLOAD_BYTES} bytes`,
    });
  });
});
