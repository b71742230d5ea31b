import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const created: string[] = [];

afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A new empty directory, removed after the test file. */
export async function makeTempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `aachat-agent-repo-${label}-`));
  created.push(dir);
  return dir;
}
