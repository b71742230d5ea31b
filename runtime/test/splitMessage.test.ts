import { describe, expect, it } from "vitest";
import {
  MAX_CONTENT_BYTES,
  MAX_EVENT_BYTES,
  canonicalJsonBytes,
  editContent,
  worstCaseContentBytes,
} from "@aachat/protocol/messageContent";
import { GrowingSplit, splitMessage } from "../src/chat/splitMessage.ts";

/** The envelope Synapse 1.163 put around a message in a fresh room (measured). */
const MEASURED_ENVELOPE_BYTES = 582;
const REAL_EVENT_ID = "$e-0qY-_XntNaU5YwIAMgs7gXwLX0hWDjLCYaMam6gOQ";

/** Mixed Markdown: prose with entities and quotes, lists, non-ASCII text, short code blocks. */
function markdownAnswer(bytes: number): string {
  const sections: string[] = [];
  for (let i = 1; Buffer.byteLength(sections.join("\n\n")) < bytes; i++) {
    sections.push(
      `## Step ${i}: «${"ünïcødé"}» & <tags>`,
      `Paragraph ${i} says "quote" & 'single' <b>not html</b> — 日本語のテキスト, Ελληνικά, 😀🎉 and a [link](https://example.org/${i}?a=1&b=2).`,
      `- item ${i}.1 with \`a < b && c > d\`\n- item ${i}.2 with **bold** and _emphasis_`,
      `\`\`\`ts\nconst x${i} = a < b && c > "d" ? '&amp;' : \`\${e}\`;\n// ${i} <script>alert("&")</script>\n\`\`\``,
    );
  }
  return sections.join("\n\n");
}

/** The parts are the text, in order, but for the whitespace at the cuts. */
function expectPartsOf(text: string, parts: string[]): void {
  let at = 0;
  for (const part of parts) {
    expect(part.trim()).not.toBe("");
    const found = text.indexOf(part, at);
    expect(found, `part not found in order: ${part.slice(0, 60)}…`).toBeGreaterThanOrEqual(0);
    expect(text.slice(at, found).trim()).toBe("");
    at = found + part.length;
  }
  expect(text.slice(at).trim()).toBe("");
}

function expectWithin(parts: string[], budget: number): void {
  for (const part of parts) expect(worstCaseContentBytes(part)).toBeLessThanOrEqual(budget);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("splitMessage", () => {
  it("keeps a short answer whole, and an empty one as one empty part", () => {
    expect(splitMessage("Fine, thanks.")).toEqual(["Fine, thanks."]);
    expect(splitMessage("")).toEqual([""]);
  });

  it("splits the reported 19 KB answer so each part's final edit fits a Matrix event", () => {
    const text = markdownAnswer(19 * 1024);
    // As one message its edit would be far over the homeserver's limit.
    expect(canonicalJsonBytes(editContent(REAL_EVENT_ID, { msgtype: "m.text" }, text, "final"))).toBeGreaterThan(
      MAX_EVENT_BYTES,
    );
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThan(1);
    expectPartsOf(text, parts);
    for (const part of parts) {
      const edit = editContent(REAL_EVENT_ID, { msgtype: "m.text" }, part, "final");
      expect(canonicalJsonBytes(edit) + MEASURED_ENVELOPE_BYTES).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    }
  });

  it("splits a 100 KB Markdown answer into parts within the budget, in order, at paragraph ends", () => {
    const text = markdownAnswer(100 * 1024);
    const parts = splitMessage(text);
    expectWithin(parts, MAX_CONTENT_BYTES);
    expectPartsOf(text, parts);
    expect(parts.length).toBeLessThan(12);
    for (const part of parts.slice(0, -1)) expect(text.includes(`${part}\n\n`)).toBe(true);
    // Its code blocks are short: every part has whole ones.
    for (const part of parts) expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it("counts HTML escaping: text of <, &, > and quotes gets smaller parts", () => {
    const text = `${`<a href="x">&amp; 'q' </a> `.repeat(4000)}`;
    const parts = splitMessage(text);
    expectWithin(parts, MAX_CONTENT_BYTES);
    expectPartsOf(text, parts);
    const plain = splitMessage("abcdefghijklmnopqrstuvwxyz ".repeat(4000));
    expect(parts[0]!.length).toBeLessThan(plain[0]!.length);
  });

  it("never splits an emoji, also with no space to cut at", () => {
    const text = "😀🎉👩‍💻".repeat(8000);
    const parts = splitMessage(text, 8 * 1024);
    expect(parts.length).toBeGreaterThan(1);
    expectWithin(parts, 8 * 1024);
    expect(parts.join("")).toBe(text);
    for (const part of parts) expect(LONE_SURROGATE.test(part)).toBe(false);
  });

  it("closes a code block cut in two and reopens it in the next part", () => {
    const lines = Array.from({ length: 600 }, (_, i) => `  if (a${i} < b && c > "d") return '&';`);
    const text = `Here is the file:\n\n\`\`\`ts\n${lines.join("\n")}\n\`\`\`\n\nThat is all.`;
    const parts = splitMessage(text, 8 * 1024);
    expect(parts.length).toBeGreaterThan(2);
    expectWithin(parts, 8 * 1024);
    for (const [index, part] of parts.entries()) {
      expect((part.match(/^```/gm) ?? []).length % 2, `part ${index} has an open code block`).toBe(0);
      if (index > 0 && index < parts.length - 1) expect(part.startsWith("```ts\n")).toBe(true);
    }
    expect(parts.at(-1)).toMatch(/```\n\nThat is all\.$/);
    // Without the fences it adds, the parts are the text; the code keeps its indentation.
    const unfenced = parts.map((part, index) => {
      let inner = part;
      if (index > 0) inner = inner.replace(/^```ts\n/, "");
      if (index < parts.length - 1) inner = inner.replace(/\n```$/, "");
      return inner;
    });
    expectPartsOf(text, unfenced);
    for (const part of unfenced.slice(1)) expect(part.startsWith("  if (a")).toBe(true);
  });

  it("splits a text's beginning the same way whatever follows, and GrowingSplit agrees", () => {
    const text = markdownAnswer(40 * 1024);
    const budget = 6 * 1024;
    const growing = new GrowingSplit(budget);
    let before: string[] = [];
    for (let length = 500; length < text.length + 1500; length += 1500) {
      const prefix = text.slice(0, length);
      const parts = splitMessage(prefix, budget);
      expect(growing.split(prefix)).toEqual(parts);
      expect(parts.slice(0, Math.max(0, before.length - 1))).toEqual(before.slice(0, -1));
      expectWithin(parts, budget);
      before = parts;
    }
    expect(before.length).toBeGreaterThan(5);
  });
});
