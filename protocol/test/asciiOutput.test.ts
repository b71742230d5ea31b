import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterEach, describe, expect, it } from "vitest";
import { asciiOutput } from "../build/asciiOutput.mjs";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function bundle(source: string): Promise<{ text: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "aachat-ascii-"));
  dirs.push(dir);
  await writeFile(path.join(dir, "entry.mjs"), source);
  await build({
    entryPoints: [path.join(dir, "entry.mjs")],
    outdir: path.join(dir, "out"),
    bundle: true,
    format: "esm",
    platform: "node",
    plugins: [asciiOutput],
    logLevel: "silent",
  });
  const file = path.join(dir, "out", "entry.js");
  return { text: await readFile(file, "utf8"), file };
}

describe("asciiOutput", () => {
  it("leaves no character outside ASCII, comments kept by esbuild included, and the code means the same", async () => {
    const { text, file } = await bundle(
      [
        "export const table = {",
        "  // JIS X 0201: ASCII + ¥ + Kana, and 😀",
        "  yen: '¥',",
        "  smile: `😀`,",
        "  match: /é+/.test('ééé'),",
        "};",
      ].join("\n"),
    );
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(text).toContain("\\u00a5 + Kana");
    const { table } = (await import(pathToFileURL(file).href)) as { table: Record<string, unknown> };
    expect(table).toEqual({ yen: "¥", smile: "😀", match: true });
  });
});
