import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AgentRepoError, scaffoldAgentRepo, validateAgentRepo } from "../src/index.ts";
import { git } from "./support/git.ts";
import { makeTempDir } from "./support/tempDirs.ts";

describe("scaffoldAgentRepo", () => {
  it("creates a repository that validates with no problems, its identity taken from environment.yaml", async () => {
    const dir = path.join(await makeTempDir("scaffold"), "reviewer");
    await scaffoldAgentRepo(dir, {
      name: "reviewer",
      displayName: "Code Reviewer",
      description: "Reviews pull requests: correctness first, then style.",
    });

    const result = await validateAgentRepo(dir);

    expect(result).toMatchObject({
      ok: true,
      problems: [],
      identity: {
        name: "reviewer",
        displayName: "Code Reviewer",
        description: "Reviews pull requests: correctness first, then style.",
      },
      environment: { name: "reviewer", displayName: "Code Reviewer" },
    });
  });

  it("makes one commit on main with every template file", async () => {
    const dir = path.join(await makeTempDir("scaffold"), "helper");
    await scaffoldAgentRepo(dir, { name: "helper" });

    expect(await git(dir, "log", "--format=%s")).toBe("Create agent helper from the aachat template");
    expect(await git(dir, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(await git(dir, "status", "--porcelain")).toBe("");
    expect((await git(dir, "ls-files")).split("\n").sort()).toEqual([
      ".claude/settings.json",
      ".claude/skills/chat-etiquette/SKILL.md",
      ".gitattributes",
      "CLAUDE.md",
      "README.md",
      "environment.yaml",
    ]);
    expect(await git(dir, "check-attr", "merge", "CLAUDE.md")).toBe("CLAUDE.md: merge: union");
    const claudeMd = await readFile(path.join(dir, "CLAUDE.md"), "utf8");
    expect(claudeMd).toMatch(/^# Who you are\n/);
    expect(claudeMd).toContain("\n## Policy\n");
    expect(claudeMd).toContain("\n## Memory\n");
    expect(JSON.parse(await readFile(path.join(dir, ".claude/settings.json"), "utf8"))).toEqual({
      permissions: { defaultMode: "default", allow: [], deny: [] },
    });
  });

  it("refuses a directory that is not empty and writes nothing into it", async () => {
    const dir = await makeTempDir("scaffold-busy");
    await writeFile(path.join(dir, "notes.txt"), "mine\n");

    await expect(scaffoldAgentRepo(dir, { name: "helper" })).rejects.toThrow(
      new AgentRepoError(
        `cannot create an agent in ${dir}: the directory is not empty; choose a new or empty directory`,
      ),
    );
    expect(await readdir(dir)).toEqual(["notes.txt"]);
  });

  it("refuses an invalid agent name", async () => {
    const dir = path.join(await makeTempDir("scaffold"), "bad");

    await expect(scaffoldAgentRepo(dir, { name: "Bad_Name" })).rejects.toThrow(
      "cannot create agent 'Bad_Name': the name must be 2-32 lowercase letters, digits or '-', starting with a letter",
    );
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
