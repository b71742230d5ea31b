import type { SessionUpdate } from "@agentclientprotocol/sdk";
import { markdownToHtml } from "@aachat/protocol/messageContent";
import { describe, expect, it } from "vitest";
import { splitMessage } from "../src/chat/splitMessage.ts";
import { fileDiff } from "../src/turns/diffText.ts";
import { fenced } from "../src/turns/toolBlocks.ts";
import { TurnTranscript } from "../src/turns/TurnTranscript.ts";

const ROOT = "/home/ana/.aachat/agents/scout/worktrees/s1";

function lines(count: number, word: string): string {
  return Array.from({ length: count }, (_, i) => `${word} ${i + 1}`).join("\n") + "\n";
}

function edit(id: string, path: string, oldText: string | null, newText: string): SessionUpdate {
  return {
    sessionUpdate: "tool_call",
    toolCallId: id,
    title: `Edit ${path}`,
    kind: "edit",
    status: "completed",
    content: [{ type: "diff", path, oldText, newText }],
  };
}

function command(id: string, output: string): SessionUpdate[] {
  return [
    { sessionUpdate: "tool_call", toolCallId: id, title: "npm test", kind: "execute", status: "in_progress" },
    {
      sessionUpdate: "tool_call_update",
      toolCallId: id,
      status: "completed",
      content: [{ type: "content", content: { type: "text", text: "```console\n" + output + "\n```" } }],
    },
  ];
}

function transcriptOf(...updates: SessionUpdate[]): TurnTranscript {
  const transcript = new TurnTranscript({ root: ROOT });
  for (const update of updates) transcript.apply(update);
  return transcript;
}

describe("fileDiff", () => {
  it("writes a unified diff git can apply, counting what was added and removed", () => {
    const diff = fileDiff("src/a.ts", "one\ntwo\nthree\n", "one\nTWO\nthree\nfour\n");
    expect(diff.patch).toBe("--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four\n");
    expect(diff.hunks).toBe("@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n three\n+four");
    expect([diff.added, diff.removed]).toEqual([2, 1]);
  });

  it("says nothing of a missing last line end that both sides lack (an excerpt)", () => {
    const diff = fileDiff("notes.md", "# Notes\n\nslow\nlater", "# Notes\n\nfast\nlater");
    expect(diff.hunks).toBe("@@ -1,4 +1,4 @@\n # Notes\n \n-slow\n+fast\n later");
    expect(fileDiff("a.txt", "x\n", "y").hunks).toContain("\\ No newline at end of file");
  });

  it("shows a new file against /dev/null", () => {
    const diff = fileDiff("notes.md", null, "hello\n");
    expect(diff.patch).toBe("--- /dev/null\n+++ b/notes.md\n@@ -0,0 +1 @@\n+hello\n");
    expect([diff.added, diff.removed]).toEqual([1, 0]);
  });
});

describe("a tool's changes under its line", () => {
  it("shows a small edit whole, as a diff block under the tool line, collapsed in HTML", () => {
    const transcript = transcriptOf(
      { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "Fixing it." } },
      edit("t1", `${ROOT}/src/login.ts`, "const a = 1;\nconst b = 2;\n", "const a = 1;\nconst b = 3;\n"),
    );
    const markdown = transcript.render();
    expect(markdown).toBe(
      [
        "Fixing it.",
        `_▸ Edit ${ROOT}/src/login.ts_ ✓\n` +
          "```diff src/login.ts +1 −1\n@@ -1,2 +1,2 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n```",
      ].join("\n\n"),
    );
    expect(transcript.attachments()).toEqual([]);
    expect(markdownToHtml(markdown)).toContain(
      '<details><summary>src/login.ts +1 −1</summary><pre><code class="language-diff">@@ -1,2 +1,2 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n</code></pre></details>',
    );
  });

  it("escapes what the changed file holds, in the summary and the code", () => {
    const markdown = transcriptOf(edit("t1", "a<b>.html", "<p>old</p>\n", '<script>alert("x")</script>\n')).render();
    const html = markdownToHtml(markdown);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(html).toContain("<summary>a&#60;b&#62;.html +1 −1</summary>");
  });

  it("keeps a changed Markdown file's own code fences inside its diff block", () => {
    const markdown = transcriptOf(edit("t1", "README.md", "```\ncode\n```\nold\n", "```\ncode\n```\nnew\n")).render();
    expect(markdown).toContain("````diff README.md +1 −1\n");
    const html = markdownToHtml(markdown);
    expect(html.match(/<details>/g)).toHaveLength(1);
    expect(html).toContain(" ```\n code\n ```\n-old\n+new\n</code></pre></details>");
  });

  it("shows the head of a long diff and attaches the whole patch", () => {
    const transcript = transcriptOf(edit("t1", `${ROOT}/big.txt`, lines(100, "old"), lines(100, "new")));
    const markdown = transcript.render();
    const block = /````?diff big\.txt \+100 −100\n([\s\S]*?)\n```/.exec(markdown);
    expect(block?.[1]?.split("\n")).toHaveLength(12);
    expect(markdown).toContain("_… 189 more lines: the whole diff is attached as big.txt.diff_");
    const [attachment] = transcript.attachments();
    expect(attachment).toMatchObject({ key: "t1:0", name: "big.txt.diff", mimetype: "text/x-diff" });
    expect(attachment?.text).toBe(fileDiff("big.txt", lines(100, "old"), lines(100, "new")).patch);
  });

  it("shows a command's output collapsed, without the agent's own fence", () => {
    const markdown = transcriptOf(...command("t1", "PASS src/a.test.ts\nTests: 3 passed")).render();
    expect(markdown).toBe("_▸ npm test_ ✓\n```console output, 2 lines\nPASS src/a.test.ts\nTests: 3 passed\n```");
    expect(markdownToHtml(markdown)).toContain("<details><summary>output, 2 lines</summary>");
  });

  it("shows the first and last lines of long output and attaches it whole", () => {
    const output = lines(500, "line").trimEnd();
    const transcript = transcriptOf(...command("t1", output));
    const markdown = transcript.render();
    expect(markdown).toContain("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n… 488 lines …\nline 495\n");
    expect(markdown).toContain("line 500\n```\n_The whole output is attached as output-1.txt_");
    expect(transcript.attachments()).toEqual([
      { key: "t1:0", name: "output-1.txt", mimetype: "text/plain", text: output },
    ]);
  });

  it("leaves out what a non-command tool read", () => {
    const transcript = transcriptOf({
      sessionUpdate: "tool_call",
      toolCallId: "t1",
      title: "Read secrets.env",
      kind: "read",
      status: "completed",
      content: [{ type: "content", content: { type: "text", text: "TOKEN=abc" } }],
    });
    expect(transcript.render()).toBe("_▸ Read secrets.env_ ✓");
  });

  it("shows the content an update replaces it with, once", () => {
    const transcript = transcriptOf(edit("t1", "a.txt", "x\n", "y\n"), {
      sessionUpdate: "tool_call_update",
      toolCallId: "t1",
      content: [{ type: "diff", path: "a.txt", oldText: "x\n", newText: "z\n" }],
    });
    expect(transcript.render()).toBe("_▸ Edit a.txt_ ✓\n```diff a.txt +1 −1\n@@ -1 +1 @@\n-x\n+z\n```");
  });

  it("splits an answer with many diffs between blocks, every part's fences balanced", () => {
    const updates = Array.from({ length: 60 }, (_, i) =>
      edit(`t${i}`, `src/file${i}.ts`, lines(30, `old ${i}`), lines(30, `new ${i}`)),
    );
    const markdown = transcriptOf(...updates).render();
    const parts = splitMessage(markdown, 16 * 1024);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      // Cut between tools: each part starts at a tool line, and each diff stays with it.
      expect(part.startsWith("_▸ Edit src/file")).toBe(true);
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
      const html = markdownToHtml(part);
      expect(html.match(/<details>/g)?.length).toBe(html.match(/<\/details>/g)?.length);
    }
    expect(parts.join("\n")).toContain("src/file59.ts");
  });
});

describe("fenced", () => {
  it("keeps its info string to one line without backticks", () => {
    expect(fenced("diff a`b\nc", "x")).toBe("```diff a?b?c\nx\n```");
  });
});
