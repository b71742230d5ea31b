// The launcher the CLI and the runtime run through in a checkout, driven as they are: a small
// program of TypeScript sources, its bundler script and its bin, each run as a process.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const LAUNCHER = pathToFileURL(fileURLToPath(new URL("../build/bundledProgram.mjs", import.meta.url))).href;
const ESBUILD = pathToFileURL(createRequire(import.meta.url).resolve("esbuild")).href;

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "aachat-bundled-"));
  await mkdir(path.join(root, "src"));
  // As in each of our packages: the sources are ES modules.
  await writeFile(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
  await writeFile(
    path.join(root, "bundle.mjs"),
    [
      `import { appendFile } from "node:fs/promises";`,
      `import { build } from ${JSON.stringify(ESBUILD)};`,
      `import { makeBuild, nodeBundleOptions } from ${JSON.stringify(LAUNCHER)};`,
      `if (process.env.BREAK_BUNDLER) { process.stderr.write("esbuild exploded\\n"); process.exit(1); }`,
      `await makeBuild(process.argv[2], (outdir) => build({ ...nodeBundleOptions(), entryPoints: { main: ${JSON.stringify(path.join(root, "src", "main.ts"))} }, outdir }));`,
      `await appendFile(${JSON.stringify(path.join(root, "builds.log"))}, "built\\n");`,
    ].join("\n"),
  );
  await writeFile(
    path.join(root, "run.mjs"),
    [
      `import { runBundled } from ${JSON.stringify(LAUNCHER)};`,
      `await runBundled(${JSON.stringify({
        name: "the test program",
        root,
        sources: ["src"],
        dist: path.join(root, "dist"),
        bundler: path.join(root, "bundle.mjs"),
        entry: "main.mjs",
        sourceEntry: path.join(root, "src", "main.ts"),
      })});`,
    ].join("\n"),
  );
  await writeSource("hello");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The program says its greeting and from which file it runs. */
async function writeSource(greeting: string): Promise<void> {
  await writeFile(
    path.join(root, "src", "main.ts"),
    `const greeting: string = ${JSON.stringify(greeting)};\nprocess.stdout.write(JSON.stringify({ greeting, file: import.meta.url }));\n`,
  );
}

interface Run {
  greeting: string;
  file: string;
  stderr: string;
}

function run(env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "run.mjs")], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`exit ${code}: ${stderr}`));
      else resolve({ ...(JSON.parse(stdout) as { greeting: string; file: string }), stderr });
    });
  });
}

async function builds(): Promise<number> {
  const log = await readFile(path.join(root, "builds.log"), "utf8").catch(() => "");
  return log.split("\n").filter(Boolean).length;
}

async function buildFolders(): Promise<string[]> {
  return (await readdir(path.join(root, "dist"))).sort();
}

describe("a program run from its bundle", () => {
  it("builds once, runs the bundle, and builds again only when a source changed", async () => {
    const first = await run();
    expect(first.greeting).toBe("hello");
    expect(first.file).toMatch(/\/dist\/[0-9a-f]{16}\/main\.mjs$/);
    expect((await run()).file).toBe(first.file);
    expect(await builds()).toBe(1);

    await writeSource("hello again");
    const changed = await run();
    expect(changed.greeting).toBe("hello again");
    expect(changed.file).not.toBe(first.file);
    expect(await builds()).toBe(2);
  });

  it("keeps the two builds before the current one, for programs still running from them", async () => {
    for (const greeting of ["one", "two", "three", "four"]) {
      await writeSource(greeting);
      expect((await run()).greeting).toBe(greeting);
    }
    const folders = await buildFolders();
    expect(folders).toHaveLength(3);
    expect(folders.some((name) => name.endsWith(".tmp"))).toBe(false);
  });

  it("two starts at once on new sources both run it, and one build is left", async () => {
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.greeting, b.greeting]).toEqual(["hello", "hello"]);
    expect(a.file).toBe(b.file);
    expect(await buildFolders()).toEqual([path.basename(path.dirname(fileURLToPath(a.file)))]);
  });

  it("runs the sources, and says why, when bundling fails", async () => {
    const fallback = await run({ BREAK_BUNDLER: "1" });
    expect(fallback.greeting).toBe("hello");
    expect(fallback.file).toBe(pathToFileURL(path.join(root, "src", "main.ts")).href);
    expect(fallback.stderr).toContain("could not bundle the test program; running its sources instead");
    expect(fallback.stderr).toContain("esbuild exploded");
  });

  it("runs the sources when asked to (AACHAT_FROM_SOURCE=1), building nothing", async () => {
    const fromSource = await run({ AACHAT_FROM_SOURCE: "1" });
    expect(fromSource.file).toBe(pathToFileURL(path.join(root, "src", "main.ts")).href);
    expect(fromSource.stderr).toBe("");
    expect(await builds()).toBe(0);
  });
});
