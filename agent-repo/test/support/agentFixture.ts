import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { scaffoldAgentRepo } from "../../src/index.ts";
import { makeTempDir } from "./tempDirs.ts";

let template: Promise<string> | undefined;

/** A copy of a freshly scaffolded agent `helper`, with `changes` applied: text to write, or null to delete. */
export async function agentFixture(changes: Readonly<Record<string, string | null>> = {}): Promise<string> {
  template ??= makeTempDir("template").then(async (dir) => {
    const repo = path.join(dir, "helper");
    await scaffoldAgentRepo(repo, { name: "helper", displayName: "Helper", description: "Helps." });
    return repo;
  });
  const dir = path.join(await makeTempDir("fixture"), "helper");
  await cp(await template, dir, { recursive: true });
  for (const [file, content] of Object.entries(changes)) {
    const target = path.join(dir, file);
    if (content === null) {
      await rm(target, { recursive: true, force: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
  return dir;
}
