import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblems, validateAgentRepo } from "../src/index.ts";
import type { Problem } from "../src/index.ts";
import { agentFixture } from "./support/agentFixture.ts";

const SKILL = ".claude/skills/chat-etiquette/SKILL.md";
const ENV_HEAD = "name: helper\ndescription: Helps.\n";

async function problemsOf(changes: Record<string, string | null>): Promise<Problem[]> {
  const result = await validateAgentRepo(await agentFixture(changes));
  expect(result.ok).toBe(false);
  return result.problems;
}

describe("validateAgentRepo", () => {
  it("reports a folder that is not a git repository", async () => {
    expect(await problemsOf({ ".git": null })).toEqual([
      {
        file: ".",
        message:
          "not a git repository; an agent is a git repository of its own: run `git init` in it, or clone the agent",
      },
    ]);
  });

  it("accepts identity.md in place of CLAUDE.md, and reports when neither is there", async () => {
    const renamed = await validateAgentRepo(
      await agentFixture({ "CLAUDE.md": null, "identity.md": "# Who you are\n" }),
    );
    expect(renamed.problems).toEqual([]);
    expect(await problemsOf({ "CLAUDE.md": null })).toEqual([
      {
        file: "CLAUDE.md",
        message:
          "missing; it holds the agent's personality, policy and memory (the aachat template has one to start from)",
      },
    ]);
  });

  it("reports a missing environment.yaml, and then knows no identity", async () => {
    const result = await validateAgentRepo(await agentFixture({ "environment.yaml": null }));
    expect(result.problems).toEqual([
      {
        file: "environment.yaml",
        message:
          "missing; it declares the agent's name, description, packages, network and env (see the aachat template)",
      },
    ]);
    expect(result.identity).toEqual({});
  });

  it("reports a YAML syntax error at its line", async () => {
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}network:\n\toutbound: all\n` })).toEqual([
      { file: "environment.yaml", line: 4, message: "invalid YAML: Tabs are not allowed as indentation" },
    ]);
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}name: again\n` })).toEqual([
      { file: "environment.yaml", line: 3, message: "invalid YAML: Map keys must be unique" },
    ]);
  });

  it("reports unknown keys at the line of the key, nested ones with their full path", async () => {
    const yaml = `${ENV_HEAD}network:\n  outbound: all\n  proxy: squid\ncolour: blue\n`;
    expect(await problemsOf({ "environment.yaml": yaml })).toEqual([
      { file: "environment.yaml", line: 5, message: "unknown key 'network.proxy'; remove it or check its spelling" },
      { file: "environment.yaml", line: 6, message: "unknown key 'colour'; remove it or check its spelling" },
    ]);
  });

  it("reports an invalid agent name, and leaves it out of the identity", async () => {
    const result = await validateAgentRepo(
      await agentFixture({ "environment.yaml": "description: Helps.\nname: Bad_Name\n" }),
    );
    expect(result.problems).toEqual([
      {
        file: "environment.yaml",
        line: 2,
        message: "name: must be 2-32 lowercase letters, digits or '-', starting with a letter",
      },
    ]);
    expect(result.identity).toEqual({ description: "Helps." });
  });

  it("reports a secret written as a literal value, without repeating the value", async () => {
    const yaml = `${ENV_HEAD}env:\n  LOG_LEVEL: debug\n  GITHUB_TOKEN: ghp_not_a_real_token\n  DEPLOY_KEY: { fromOwnerEnv: MY_DEPLOY_KEY }\n`;
    const problems = await problemsOf({ "environment.yaml": yaml });
    expect(problems).toEqual([
      {
        file: "environment.yaml",
        line: 5,
        message:
          "env.GITHUB_TOKEN: looks like a secret, so write { fromOwnerEnv: OWNER_VARIABLE } instead of its value; secrets are referenced from the owner's environment, never written in the file",
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain("ghp_not_a_real_token");
  });

  it("reports an avatar that is not in the repository, and accepts one that is or an https URL", async () => {
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}avatar: images/me.png\n` })).toEqual([
      {
        file: "environment.yaml",
        line: 3,
        message: "avatar: file 'images/me.png' does not exist in the repository; add it or give an https URL",
      },
    ]);
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}avatar: ../outside.png\n` })).toEqual([
      { file: "environment.yaml", line: 3, message: "avatar: must be a path inside the repository or an https URL" },
    ]);
    const withImage = await validateAgentRepo(
      await agentFixture({ "environment.yaml": `${ENV_HEAD}avatar: images/me.png\n`, "images/me.png": "png" }),
    );
    expect(withImage).toMatchObject({ ok: true, identity: { avatar: "images/me.png" } });
    const withUrl = await validateAgentRepo(
      await agentFixture({ "environment.yaml": `${ENV_HEAD}avatar: https://example.org/me.png\n` }),
    );
    expect(withUrl.ok).toBe(true);
  });

  it("names the detail that is wrong in packages, network and env", async () => {
    const yaml = [
      ENV_HEAD.trimEnd(),
      "network:",
      "  outbound:",
      "    allow: [api.example.org, 'not a host']",
      "env:",
      "  lower: x",
      "  PORT: 8080",
      "  GH: { fromOwnerEnv: lower }",
      "packages:",
      "  apt: [git, 'Bad Name']",
      "  pip: requests",
      "",
    ].join("\n");
    expect(await problemsOf({ "environment.yaml": yaml })).toEqual([
      { file: "environment.yaml", line: 5, message: "network.outbound.allow[1]: not a valid hostname" },
      {
        file: "environment.yaml",
        line: 7,
        message: "env.lower: variable name must be upper-case letters, digits and '_', not starting with a digit",
      },
      {
        file: "environment.yaml",
        line: 8,
        message: "env.PORT: must be a string (quote numbers and booleans) or { fromOwnerEnv: OWNER_VARIABLE }",
      },
      {
        file: "environment.yaml",
        line: 9,
        message:
          "env.GH.fromOwnerEnv: the owner's variable name must be upper-case letters, digits and '_', not starting with a digit",
      },
      {
        file: "environment.yaml",
        line: 11,
        message: "packages.apt[1]: not a valid apt package name (give the bare name, no version)",
      },
      { file: "environment.yaml", line: 12, message: "packages.pip: must be a list of pip package names" },
    ]);
  });

  it("takes a daily cost limit in dollars, and says what is wrong with one that is not", async () => {
    const valid = await validateAgentRepo(
      await agentFixture({ "environment.yaml": `${ENV_HEAD}budget:\n  dailyUsd: 2.5\n` }),
    );
    expect(valid.problems).toEqual([]);
    expect(valid.environment?.budget).toEqual({ dailyUsd: 2.5 });
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}budget:\n  dailyUsd: five\n` })).toEqual([
      { file: "environment.yaml", line: 4, message: "budget.dailyUsd: must be a number of US dollars, e.g. 5 or 2.50" },
    ]);
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}budget:\n  dailyUsd: -1\n` })).toEqual([
      { file: "environment.yaml", line: 4, message: "budget.dailyUsd: must not be negative" },
    ]);
    expect(await problemsOf({ "environment.yaml": `${ENV_HEAD}budget: 5\n` })).toEqual([
      { file: "environment.yaml", line: 3, message: "budget: must be a mapping with dailyUsd:" },
    ]);
  });

  it("reports a skill without frontmatter", async () => {
    expect(await problemsOf({ [SKILL]: "# Chat etiquette\n\nBe nice.\n" })).toEqual([
      {
        file: SKILL,
        line: 1,
        message:
          "missing YAML frontmatter; start the file with a '---' line, then name: and description:, then a closing '---' line",
      },
    ]);
  });

  it("reports a skill name with capitals or over 64 characters", async () => {
    const rule = "name: must be lowercase letters, digits and hyphens, at most 64 characters";
    expect(await problemsOf({ [SKILL]: "---\nname: Chat-Etiquette\ndescription: Be nice.\n---\n" })).toEqual([
      { file: SKILL, line: 2, message: `${rule} (got "Chat-Etiquette")` },
    ]);
    const long = "a".repeat(65);
    const longSkill = `.claude/skills/${long}/SKILL.md`;
    expect(await problemsOf({ [longSkill]: `---\ndescription: Be nice.\nname: ${long}\n---\n` })).toEqual([
      { file: longSkill, line: 3, message: `${rule} (got "${long}")` },
    ]);
  });

  it("reports a skill whose name differs from its folder", async () => {
    expect(await problemsOf({ [SKILL]: "---\nname: etiquette\ndescription: Be nice.\n---\n" })).toEqual([
      {
        file: SKILL,
        line: 2,
        message: "name: 'etiquette' differs from its folder 'chat-etiquette'; rename one so they match",
      },
    ]);
  });

  it("reports a skill without a description, or with an empty one", async () => {
    expect(await problemsOf({ [SKILL]: "---\nname: chat-etiquette\n---\n" })).toEqual([
      { file: SKILL, message: "description: required; say what the skill does and when to use it" },
    ]);
    expect(await problemsOf({ [SKILL]: "---\nname: chat-etiquette\ndescription: '  '\n---\n" })).toEqual([
      {
        file: SKILL,
        line: 3,
        message: "description: must be non-empty text saying what the skill does and when to use it",
      },
    ]);
  });

  it("reports a frontmatter YAML error at its line in the file", async () => {
    expect(await problemsOf({ [SKILL]: "---\nname: chat-etiquette\nname: twice\ndescription: x\n---\n" })).toEqual([
      { file: SKILL, line: 3, message: "invalid YAML in frontmatter: Map keys must be unique" },
    ]);
  });

  it("reports an invalid settings.json at the line of the error", async () => {
    const settings = '{\n  "permissions": {\n    "allow": [],\n  }\n}\n';
    expect(await problemsOf({ ".claude/settings.json": settings })).toEqual([
      {
        file: ".claude/settings.json",
        line: 4,
        message: "invalid JSON; fix the syntax here (Claude Code cannot use a settings file it cannot parse)",
      },
    ]);
  });

  it("reports every problem at once, sorted by file and line", async () => {
    const dir = await agentFixture({
      "CLAUDE.md": null,
      "environment.yaml": "name: X\nextra: 1\nenv:\n  API_TOKEN: abc\n",
      [SKILL]: "no frontmatter\n",
      ".claude/settings.json": "{",
      ".claude/skills/empty/notes.txt": "forgot SKILL.md\n",
    });
    const result = await validateAgentRepo(dir);

    expect(result.ok).toBe(false);
    expect(formatProblems(result.problems)).toBe(
      [
        ".claude/settings.json:1: invalid JSON; fix the syntax here (Claude Code cannot use a settings file it cannot parse)",
        ".claude/skills/chat-etiquette/SKILL.md:1: missing YAML frontmatter; start the file with a '---' line, then name: and description:, then a closing '---' line",
        ".claude/skills/empty/SKILL.md: missing; each skill folder needs a SKILL.md, or Claude Code ignores the skill",
        "CLAUDE.md: missing; it holds the agent's personality, policy and memory (the aachat template has one to start from)",
        "environment.yaml: description: required: one sentence saying what the agent does",
        "environment.yaml:1: name: must be 2-32 lowercase letters, digits or '-', starting with a letter",
        "environment.yaml:2: unknown key 'extra'; remove it or check its spelling",
        "environment.yaml:4: env.API_TOKEN: looks like a secret, so write { fromOwnerEnv: OWNER_VARIABLE } instead of its value; secrets are referenced from the owner's environment, never written in the file",
      ].join("\n"),
    );
  });

  it("refuses a directory that does not exist", async () => {
    const missing = path.join(await agentFixture(), "nowhere");
    await expect(validateAgentRepo(missing)).rejects.toThrow(
      `cannot validate ${missing}: no such directory; give the path of the agent's repository`,
    );
  });

  it("does not count a folder inside another repository as a repository", async () => {
    const nested = path.join(await agentFixture(), "inner");
    await mkdir(nested);
    await writeFile(path.join(nested, "CLAUDE.md"), "# Who you are\n");
    const result = await validateAgentRepo(nested);
    expect(result.problems[0]).toEqual({
      file: ".",
      message:
        "not a git repository; an agent is a git repository of its own: run `git init` in it, or clone the agent",
    });
  });
});

describe("formatProblems", () => {
  it("writes file:line: message, or file: message without a line", () => {
    expect(
      formatProblems([
        { file: "b.md", line: 10, message: "third" },
        { file: "b.md", line: 2, message: "second" },
        { file: "a.md", message: "first" },
      ]),
    ).toBe("a.md: first\nb.md:2: second\nb.md:10: third");
  });
});
