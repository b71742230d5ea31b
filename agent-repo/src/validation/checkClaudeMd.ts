import { access } from "node:fs/promises";
import path from "node:path";
import type { Problem } from "./Problem.ts";

// identity.md is the older name of the personality file, still accepted.
const PERSONALITY_FILES = ["CLAUDE.md", "identity.md"];

export async function checkClaudeMd(repoDir: string): Promise<Problem[]> {
  for (const file of PERSONALITY_FILES) {
    try {
      await access(path.join(repoDir, file));
      return [];
    } catch {
      // try the next name
    }
  }
  return [
    {
      file: "CLAUDE.md",
      message:
        "missing; it holds the agent's personality, policy and memory (the aachat template has one to start from)",
    },
  ];
}
