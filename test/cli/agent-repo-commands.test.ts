import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { scaffoldAgentRepo } from "@aachat/agent-repo";
import { uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";

let service: TestAppservice;
let env: Record<string, string>;
let agentsDir: string;

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" }).toString();
const profileOf = async (userId: string) =>
  (await (
    await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/profile/${encodeURIComponent(userId)}`)
  ).json()) as {
    displayname?: string;
    avatar_url?: string;
  };

const ONE_PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A bare repository holding a scaffolded agent, changed by `edit` before it is pushed. */
async function remoteAgentRepo(name: string, edit?: (dir: string) => Promise<void>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "aachat-remote-"));
  const work = path.join(root, "work");
  await scaffoldAgentRepo(work, { name, displayName: `The ${name}` });
  if (edit) {
    await edit(work);
    git(work, "commit", "-aqm", "edit");
  }
  git(root, "clone", "-q", "--bare", work, "agent.git");
  return path.join(root, "agent.git");
}

beforeAll(async () => {
  service = await startTestAppservice();
  const stack = inject("stack");
  const { accessToken } = await registerUser({
    homeserverUrl: stack.homeserverUrl,
    sharedSecret: stack.registrationSharedSecret,
    username: uniqueName("owner"),
    password: "correct horse battery",
  });
  agentsDir = await mkdtemp(path.join(tmpdir(), "aachat-agents-"));
  env = { AACHAT_CONFIG_DIR: await mkdtemp(path.join(tmpdir(), "aachat-cfg-")), AACHAT_AGENTS_DIR: agentsDir };
  const login = await runCli(
    ["login", "--homeserver", stack.homeserverUrl, "--server", service.appservice.url, "--token", accessToken],
    env,
  );
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await service?.appservice.close();
});

describe("aachat agent create|validate|update: agents are git repositories", () => {
  it("scaffolds a repository from the template, validates it and registers the agent with its display name", async () => {
    const name = uniqueName("helper");
    const result = await runCli(["agent", "create", name, "--display-name", "Helpful Helper", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout) as {
      agent: { userId: string; displayName: string };
      runtimeToken: string;
      repositoryDir: string;
    };
    expect(created.repositoryDir).toBe(path.join(agentsDir, name));
    expect(created.agent.displayName).toBe("Helpful Helper");
    expect(created.runtimeToken).toMatch(/^aart_/);
    expect((await profileOf(created.agent.userId)).displayname).toBe("Helpful Helper");
    for (const file of [
      "CLAUDE.md",
      "environment.yaml",
      "README.md",
      ".claude/settings.json",
      ".claude/skills/chat-etiquette/SKILL.md",
    ]) {
      expect(existsSync(path.join(created.repositoryDir, file)), file).toBe(true);
    }
    expect(git(created.repositoryDir, "log", "--format=%s")).toContain(`Create agent ${name} from the aachat template`);

    const valid = await runCli(["agent", "validate", created.repositoryDir], env);
    expect(valid.code, valid.stdout).toBe(0);
  });

  it("updates the agent's Matrix profile from its repository", async () => {
    const name = uniqueName("renamer");
    const created = await runCli(["agent", "create", name, "--display-name", "Before", "--json"], env);
    const { agent } = JSON.parse(created.stdout) as { agent: { userId: string } };
    const envFile = path.join(agentsDir, name, "environment.yaml");
    await writeFile(envFile, (await readFile(envFile, "utf8")).replace(/displayName: .*/, "displayName: After"));
    const updated = await runCli(["agent", "update", name, "--json"], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ displayName: "After" });
    expect((await profileOf(agent.userId)).displayname).toBe("After");

    // An avatar in the repository is uploaded to the homeserver and shown on the agent's profile.
    await writeFile(path.join(agentsDir, name, "avatar.png"), ONE_PIXEL_PNG);
    await writeFile(envFile, `${await readFile(envFile, "utf8")}avatar: avatar.png\n`);
    const withAvatar = await runCli(["agent", "update", name, "--json"], env);
    expect(withAvatar.code, withAvatar.stderr).toBe(0);
    expect(JSON.parse(withAvatar.stdout)).toMatchObject({ avatarUrl: expect.stringMatching(/^mxc:\/\//) });
    expect((await profileOf(agent.userId)).avatar_url).toMatch(/^mxc:\/\//);

    const deleted = await runCli(["agent", "delete", name, "--yes"], env);
    expect(deleted.stdout).toContain(`Its repository stays in ${path.join(agentsDir, name)}.`);
    expect(existsSync(path.join(agentsDir, name, "CLAUDE.md"))).toBe(true);
  });

  it("registers an existing repository by cloning it, with the name it declares", async () => {
    const name = uniqueName("cloned");
    const remote = await remoteAgentRepo(name);
    const result = await runCli(["agent", "create", "--repo", remote, "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      agent: { name, displayName: `The ${name}`, repoUrl: remote },
      repositoryDir: path.join(agentsDir, name),
    });
  });

  it("refuses an invalid repository with every problem and its line, and registers nothing", async () => {
    const name = uniqueName("broken");
    const remote = await remoteAgentRepo(name, async (dir) => {
      const envFile = path.join(dir, "environment.yaml");
      await writeFile(envFile, `${await readFile(envFile, "utf8")}colour: blue\n`);
      await writeFile(path.join(dir, ".claude/skills/chat-etiquette/SKILL.md"), "no frontmatter here\n");
    });
    const before = await readdir(agentsDir);
    const result = await runCli(["agent", "create", "--repo", remote], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: the agent repository is not valid:");
    expect(result.stderr).toMatch(/\.claude\/skills\/chat-etiquette\/SKILL\.md(:\d+)?: /);
    expect(result.stderr).toMatch(/environment\.yaml:\d+: .*colour/);
    expect(await readdir(agentsDir)).toEqual(before);
    expect((await runCli(["agent", "show", name], env)).code).toBe(1);
  });

  it("refuses an unreachable --push-to remote, and leaves nothing behind", async () => {
    const name = uniqueName("pusher");
    const result = await runCli(["agent", "create", name, "--push-to", "/nonexistent/agents/pusher.git"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\nerror: .*pusher\.git/);
    expect(existsSync(path.join(agentsDir, name))).toBe(false);
    expect((await runCli(["agent", "show", name], env)).stderr).toContain(`no agent '${name}'`);
  });

  it("pushes the new repository to --push-to, where memory will go", async () => {
    const name = uniqueName("published");
    const remoteRoot = await mkdtemp(path.join(tmpdir(), "aachat-push-"));
    git(remoteRoot, "init", "-q", "--bare", "agent.git");
    const remote = path.join(remoteRoot, "agent.git");
    const result = await runCli(["agent", "create", name, "--push-to", remote, "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ agent: { repoUrl: remote } });
    expect(git(remote, "log", "--format=%s", "main")).toContain(`Create agent ${name}`);
  });

  it("removes the new repository again when the name is taken", async () => {
    const name = uniqueName("twice");
    expect((await runCli(["agent", "create", name, "--dir", path.join(agentsDir, "first")], env)).code).toBe(0);
    const again = await runCli(["agent", "create", name], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`an agent named '${name}' already exists`);
    expect(existsSync(path.join(agentsDir, name))).toBe(false);
  });

  it("validate lists every problem of a repository at once", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aachat-notrepo-"));
    const result = await runCli(["agent", "validate", dir, "--json"], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; problems: { file: string; message: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.file)).toEqual(
      expect.arrayContaining([".", "CLAUDE.md", "environment.yaml"]),
    );
  });
});
