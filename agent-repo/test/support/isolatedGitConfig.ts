import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, vi } from "vitest";
import { makeTempDir } from "./tempDirs.ts";

/**
 * Runs the test file's git commands without the machine's global and system git config,
 * so results don't depend on who runs them (and a missing identity is really missing).
 */
export function useIsolatedGitConfig(): void {
  beforeAll(async () => {
    const file = path.join(await makeTempDir("gitconfig"), "gitconfig");
    await writeFile(file, "");
    vi.stubEnv("GIT_CONFIG_GLOBAL", file);
    vi.stubEnv("GIT_CONFIG_NOSYSTEM", "1");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}
