import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claudeAuth } from "../src/acp/claudeAuth.ts";

/** A fresh, empty home directory, with these files written under it. */
async function home(files: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "claude-auth-home-"));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const check = (dir: string, env: Record<string, string> = {}, platform: NodeJS.Platform = "linux") =>
  claudeAuth({ agentCommand: undefined, env, home: dir, platform });

describe("claudeAuth: whether Claude Code will find credentials", () => {
  it("says what to run when nothing is there", async () => {
    const dir = await home();
    const result = check(dir);
    expect(result.status).toBe("missing");
    const advice = result.status === "missing" ? result.advice : "";
    expect(advice).toContain(`Claude Code has no credentials for ${dir}`);
    expect(advice).toContain(path.join(dir, ".claude", ".credentials.json"));
    expect(advice).toContain("run `claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN=");
    expect(advice).toContain("run `claude` and sign in with /login");
    expect(advice).toContain("export ANTHROPIC_API_KEY=");
  });

  it("finds a key or token in the environment, and ignores an empty one", async () => {
    const dir = await home();
    expect(check(dir, { ANTHROPIC_API_KEY: "sk-ant-x" })).toEqual({
      status: "found",
      source: "ANTHROPIC_API_KEY in the environment",
    });
    expect(check(dir, { CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-x" })).toEqual({
      status: "found",
      source: "CLAUDE_CODE_OAUTH_TOKEN in the environment",
    });
    expect(check(dir, { ANTHROPIC_API_KEY: "  " }).status).toBe("missing");
  });

  it("trusts a cloud provider chosen in the environment", async () => {
    const dir = await home();
    expect(check(dir, { CLAUDE_CODE_USE_BEDROCK: "1" })).toEqual({
      status: "found",
      source: "Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK)",
    });
    expect(check(dir, { CLAUDE_CODE_USE_VERTEX: "0" }).status).toBe("missing");
  });

  it("finds a Claude login in ~/.claude/.credentials.json, not an empty or broken file", async () => {
    const login = await home({
      ".claude/.credentials.json": { claudeAiOauth: { accessToken: "a", refreshToken: "r" } },
    });
    expect(check(login)).toEqual({
      status: "found",
      source: `a Claude login in ${path.join(login, ".claude", ".credentials.json")}`,
    });
    expect(check(await home({ ".claude/.credentials.json": {} })).status).toBe("missing");
    expect(check(await home({ ".claude/.credentials.json": "{not json" })).status).toBe("missing");
  });

  it("looks in CLAUDE_CONFIG_DIR instead of ~/.claude when it is set", async () => {
    const dir = await home({ "elsewhere/.credentials.json": { claudeAiOauth: { accessToken: "a" } } });
    expect(check(dir).status).toBe("missing");
    expect(check(dir, { CLAUDE_CONFIG_DIR: path.join(dir, "elsewhere") }).status).toBe("found");
  });

  it("finds an apiKeyHelper in Claude Code's user settings", async () => {
    const dir = await home({ ".claude/settings.json": { apiKeyHelper: "/usr/local/bin/get-key" } });
    expect(check(dir)).toEqual({
      status: "found",
      source: `apiKeyHelper in ${path.join(dir, ".claude", "settings.json")}`,
    });
    expect(check(await home({ ".claude/settings.json": { permissions: {} } })).status).toBe("missing");
  });

  it("on macOS takes the account in ~/.claude.json for a Keychain login", async () => {
    const dir = await home({ ".claude.json": { oauthAccount: { emailAddress: "a@example.org" } } });
    expect(check(dir, {}, "darwin")).toEqual({ status: "found", source: "a Claude login (macOS Keychain)" });
    expect(check(dir, {}, "linux").status).toBe("missing");
  });

  it("does not check a custom ACP agent", async () => {
    const dir = await home();
    expect(claudeAuth({ agentCommand: ["gemini", "--experimental-acp"], env: {}, home: dir })).toEqual({
      status: "not-checked",
      reason: "custom agent command",
    });
  });
});
