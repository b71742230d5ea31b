import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { runGit } from "../git/runGit.ts";
import type { Problem } from "./Problem.ts";

/** An agent is a git repository of its own, not a folder inside another repository. */
export async function checkGitRepository(repoDir: string): Promise<Problem[]> {
  const notARepository: Problem[] = [
    {
      file: ".",
      message:
        "not a git repository; an agent is a git repository of its own: run `git init` in it, or clone the agent",
    },
  ];
  try {
    await stat(path.join(repoDir, ".git"));
  } catch {
    return notARepository;
  }
  const topLevel = await runGit(repoDir, ["rev-parse", "--show-toplevel"], { allowFailure: true });
  if (topLevel.exitCode !== 0) return notARepository;
  const [top, dir] = await Promise.all([realpath(topLevel.stdout.trim()), realpath(repoDir)]);
  return top === dir ? [] : notARepository;
}
