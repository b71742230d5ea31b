import { runGit } from "../../src/git/runGit.ts";

/** Runs git for a test's own setup or inspection and returns its trimmed output. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await runGit(dir, args, {
    config: { "user.name": "Test Human", "user.email": "human@example.org" },
  });
  return stdout.trim();
}
