import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { runtimePaths } from "@aachat/runtime/local";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";
import { scratchDir, scriptedAgentCommand } from "../support/runtimeScene.ts";

interface DoctorReport {
  checks: { name: string; status: string; detail: string; fix?: string }[];
}

/** `aachat doctor` and `aachat agent start` check that Claude Code can sign in before an agent is asked anything. */
describe("Claude Code readiness", () => {
  let service: TestAppservice;
  let env: Record<string, string>;
  let home: string;
  let slug: string;
  let name: string;
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });

  beforeAll(async () => {
    service = await startTestAppservice();
    const stack = inject("stack");
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username: uniqueName("owner"),
      password: "correct horse battery",
    });
    home = await scratchDir("home-without-claude");
    // A home with no Claude login, and no key or token inherited from whoever runs the tests.
    env = {
      HOME: home,
      ANTHROPIC_API_KEY: "",
      ANTHROPIC_AUTH_TOKEN: "",
      CLAUDE_CODE_OAUTH_TOKEN: "",
      CLAUDE_CONFIG_DIR: "",
      CLAUDE_CODE_USE_BEDROCK: "",
      CLAUDE_CODE_USE_VERTEX: "",
      CLAUDE_CODE_USE_FOUNDRY: "",
      AACHAT_CONFIG_DIR: await scratchDir("cli-config"),
      AACHAT_AGENTS_DIR: await scratchDir("cli-agents"),
      AACHAT_RUNTIME_DIR: await scratchDir("cli-runtimes"),
    };
    const login = await cli([
      "login",
      "--homeserver",
      stack.homeserverUrl,
      "--server",
      service.appservice.url,
      "--token",
      registered.accessToken,
    ]);
    expect(login.code, login.stderr).toBe(0);
    slug = uniqueName("team");
    const api = apiAs({ accessToken: registered.accessToken }, service.appservice.url);
    await api("POST", "/teams", { slug });
    await api("POST", `/teams/${slug}/projects`, { name: "site" });
    name = uniqueName("bot");
    const created = await cli(["agent", "create", name]);
    expect(created.code, created.stderr).toBe(0);
    expect((await cli(["project", "add-agent", "site", name, "--team", slug])).code).toBe(0);
  });

  afterAll(async () => {
    await cli(["agent", "stop", "--all"]);
    await service?.appservice.close();
  });

  it("doctor warns that Claude Code is not signed in and says what to run", async () => {
    const result = await cli(["doctor"]);
    expect(result.stdout).toMatch(/^! claude code +not signed in: /m);
    expect(result.stdout).toContain(
      "run `claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN=<the token it prints>, or run `claude` and sign in with /login, or export ANTHROPIC_API_KEY=<your API key>",
    );
    expect(result.stdout).not.toContain("All checks passed");

    const withKey = JSON.parse(
      (await cli(["doctor", "--json"], { ANTHROPIC_API_KEY: "sk-ant-test" })).stdout,
    ) as DoctorReport;
    expect(withKey.checks.find((check) => check.name === "claude code")).toEqual({
      name: "claude code",
      status: "ok",
      detail: "credentials: ANTHROPIC_API_KEY in the environment",
    });
  });

  it("agent start refuses to start Claude Code without credentials, and leaves nothing behind", async () => {
    const refused = await cli(["agent", "start", name, "-p", `${slug}/site`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: Claude Code has no credentials for ${home}`);
    expect(refused.stderr).toContain("run `claude setup-token` and export CLAUDE_CODE_OAUTH_TOKEN=");
    expect(refused.stderr).toContain(`then run \`aachat agent start ${name}\` again from that shell`);
    expect(refused.stderr).toContain("--skip-auth-check");
    expect(refused.stderr).not.toContain("Starting the runtime");
    expect(existsSync(runtimePaths(name, env).config)).toBe(false);
    expect(existsSync(runtimePaths(name, env).log)).toBe(false);
    expect((await cli(["agent", "status", name])).stdout).not.toContain("is running");
  });

  it("agent start runs another ACP agent, or Claude Code with --skip-auth-check, without asking", async () => {
    const stopRuntime = async () => {
      const stopped = await cli(["agent", "stop", name]);
      expect(stopped.code, stopped.stderr).toBe(0);
    };
    const custom = await cli(["agent", "start", name, "--acp-command", scriptedAgentCommand().join(" ")]);
    expect(custom.code, custom.stderr).toBe(0);
    expect(custom.stderr).toContain(`The runtime of ${name} is running (pid `);
    await stopRuntime();
    const claudeCheck = async () =>
      (JSON.parse((await cli(["doctor", "--json"])).stdout) as DoctorReport).checks.find(
        (check) => check.name === "claude code",
      );
    expect(await claudeCheck()).toEqual({
      name: "claude code",
      status: "ok",
      detail: `not checked: custom agent command (${name})`,
    });

    const skipped = await cli(["agent", "start", name, "--skip-auth-check"]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain(`The runtime of ${name} is running (pid `);
    await stopRuntime();
    expect((await claudeCheck())?.status).toBe("warn");
  });
});
