import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MatrixEvent } from "matrix-js-sdk";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { mention, projectScene, type ProjectScene } from "../support/projectScene.ts";
import { STREAM_FIELD, runningAgent, scratchDir, type RunningAgent } from "../support/runtimeScene.ts";
import { waitForRoomEvent } from "../support/waits.ts";

/** Mixed Markdown of about `bytes` UTF-8 bytes: entities, quotes, non-ASCII text, lists, code. */
function longAnswer(bytes: number, tag: string): string {
  const sections: string[] = [];
  for (let i = 1; Buffer.byteLength(sections.join("\n\n")) < bytes; i++) {
    sections.push(
      `### ${tag} ${i}: «Größe» & <sizes>`,
      `Step ${i} of the plan: "quoted" & 'single' <b>not html</b> — 日本語のテキスト, Ελληνικά, 😀🎉, see [the docs](https://example.org/${i}?a=1&b=2).`,
      `- check ${i}.1: \`a < b && c > d\`\n- check ${i}.2: **bold** and _emphasis_`,
      `\`\`\`ts\nconst size${i} = a < b && c > "d" ? '&amp;' : \`\${e}\`;\n// ${i}: <script>alert("&")</script>\n\`\`\``,
    );
  }
  return sections.join("\n\n");
}

interface Shown {
  body: string;
  html: string;
  stream: unknown;
}

/**
 * Waits until the human's client shows the agent's messages (posted after the call), each
 * at its latest version, holding `answer` whole and final; resolves with them in order.
 */
function waitForWholeAnswer(scene: ProjectScene, agent: RunningAgent, answer: string): Promise<Shown[]> {
  const order: string[] = [];
  const latest = new Map<string, Shown>();
  const squash = (text: string) => text.replace(/\s+/g, "");
  return waitForRoomEvent(scene.alice.client, {
    roomId: scene.roomId,
    type: "m.room.message",
    sender: agent.agent.userId,
    timeoutMs: 45_000,
    where: (event: MatrixEvent) => {
      const content = event.getContent();
      const relation = content["m.relates_to"];
      const isEdit = relation?.rel_type === "m.replace";
      const original = isEdit ? relation.event_id! : event.getId()!;
      if (!isEdit) order.push(original);
      const shown = (isEdit ? content["m.new_content"] : content) as Record<string, unknown>;
      latest.set(original, {
        body: String(shown.body),
        html: String(shown.formatted_body),
        stream: shown[STREAM_FIELD],
      });
      const parts = order.map((id) => latest.get(id)!);
      return (
        parts.every((part) => part.stream === "final") && squash(parts.map((p) => p.body).join("")) === squash(answer)
      );
    },
  }).then(() => order.map((id) => latest.get(id)!));
}

/** The parts are the answer, in order, but for the whitespace at the cuts. */
function expectPartsOf(answer: string, parts: string[]): void {
  let at = 0;
  for (const part of parts) {
    const found = answer.indexOf(part, at);
    expect(found, `part not found in order: ${part.slice(0, 60)}…`).toBeGreaterThanOrEqual(0);
    expect(answer.slice(at, found).trim()).toBe("");
    at = found + part.length;
  }
  expect(answer.slice(at).trim()).toBe("");
}

describe("a long answer arrives whole, over as many messages as it needs", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let agent: RunningAgent;
  const synapseLog = path.join(inject("stack").workDir, "synapse", "homeserver.log");

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url);
    agent = await runningAgent(scene, running.appservice.url, { prefix: "writer", displayName: "Writer" });
  });

  afterAll(async () => {
    await agent?.runtime.stop("stop");
    stopHumans();
    await running?.appservice.close();
  });

  async function ask(bytes: number, tag: string): Promise<{ answer: string; parts: Shown[]; synapseLines: string }> {
    const answer = longAnswer(bytes, tag);
    const file = path.join(await scratchDir("answer"), `${tag}.md`);
    await writeFile(file, answer);
    const logFrom = (await stat(synapseLog)).size;
    const whole = waitForWholeAnswer(scene, agent, answer);
    await mention(scene, agent.agent, `Writer, the long version please [replyfile:${file}][chunks:12][delay:100]`);
    const parts = await whole;
    const synapseLines = (await readFile(synapseLog)).subarray(logFrom).toString();
    return { answer, parts, synapseLines };
  }

  async function expectNoRefusals(synapseLines: string): Promise<void> {
    const runtimeLog = await readFile(agent.logFile, "utf8");
    expect(runtimeLog).not.toMatch(/too_large|M_TOO_LARGE|could not update the answer|incomplete/);
    expect(synapseLines).not.toMatch(/M_TOO_LARGE|event too large/i);
  }

  it("posts a 19 KB answer (the reported case) whole in several final messages", async () => {
    const { answer, parts, synapseLines } = await ask(19 * 1024, "Short");
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expectPartsOf(
      answer,
      parts.map((part) => part.body),
    );
    expect(parts.every((part) => part.stream === "final")).toBe(true);
    await expectNoRefusals(synapseLines);
  });

  it("posts a 100 KB answer with code, entities and non-ASCII text whole and in order", async () => {
    const { answer, parts, synapseLines } = await ask(100 * 1024, "Long");
    expect(parts.length).toBeGreaterThanOrEqual(5);
    expectPartsOf(
      answer,
      parts.map((part) => part.body),
    );
    for (const part of parts) {
      expect(part.stream).toBe("final");
      // Rendered, with the text's specials escaped and its code blocks whole.
      expect(part.html).toContain("&lt;script&gt;");
      expect((part.body.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts.at(-1)!.body.endsWith("```")).toBe(true);
    await expectNoRefusals(synapseLines);
  });
});
