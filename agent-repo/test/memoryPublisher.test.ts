import { appendFile, chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { cloneAgentRepo, createWorkspace, MemoryPublisher, scaffoldAgentRepo } from "../src/index.ts";
import { agentWithRemote } from "./support/agentWithRemote.ts";
import { git } from "./support/git.ts";
import { useIsolatedGitConfig } from "./support/isolatedGitConfig.ts";
import { makeTempDir } from "./support/tempDirs.ts";

useIsolatedGitConfig();

async function remoteFile(remote: string, file: string): Promise<string> {
  return git(remote, "show", `main:${file}`);
}

describe("MemoryPublisher", () => {
  it("publishes memory from two sessions at the same time; the remote keeps both lines", async () => {
    const { repoDir, remote } = await agentWithRemote();
    const [s1, s2] = await Promise.all([createWorkspace(repoDir, "s1"), createWorkspace(repoDir, "s2")]);
    await appendFile(path.join(s1.dir, "CLAUDE.md"), "- Alice prefers short answers.\n");
    await appendFile(path.join(s2.dir, "CLAUDE.md"), "- The site project deploys on Fridays.\n");

    const [first, second] = await Promise.all([
      new MemoryPublisher().commitAndPublish(s1.dir, "Memory: session s1 after turn 3"),
      new MemoryPublisher().commitAndPublish(s2.dir, "Memory: session s2 after turn 1"),
    ]);

    expect(first).toMatchObject({ kind: "published", pushed: true });
    expect(second).toMatchObject({ kind: "published", pushed: true });
    const claudeMd = await remoteFile(remote, "CLAUDE.md");
    expect(claudeMd).toContain("- Alice prefers short answers.");
    expect(claudeMd).toContain("- The site project deploys on Fridays.");
    expect((await git(remote, "log", "--format=%s", "main")).split("\n")).toEqual(
      expect.arrayContaining(["Memory: session s1 after turn 3", "Memory: session s2 after turn 1"]),
    );
    // The agent repository's own checkout follows, clean.
    expect(await git(repoDir, "rev-parse", "main")).toBe(await git(remote, "rev-parse", "main"));
    expect(await git(repoDir, "status", "--porcelain")).toBe("");
    expect(await readFile(path.join(repoDir, "CLAUDE.md"), "utf8")).toBe(claudeMd + "\n");
  });

  it("reports a conflict it cannot merge and keeps both sides", async () => {
    const { repoDir, remote } = await agentWithRemote();
    const [s1, s2] = await Promise.all([createWorkspace(repoDir, "s1"), createWorkspace(repoDir, "s2")]);
    await writeFile(path.join(s1.dir, "notes.md"), "deploy with make release\n");
    await writeFile(path.join(s2.dir, "notes.md"), "deploy with the web console\n");
    const publisher = new MemoryPublisher();
    const first = await publisher.commitAndPublish(s1.dir, "Memory: session s1 after turn 1");
    const remoteMainBefore = await git(remote, "rev-parse", "main");

    const second = await publisher.commitAndPublish(s2.dir, "Memory: session s2 after turn 1");

    expect(first).toMatchObject({ kind: "published", pushed: true, commit: remoteMainBefore });
    const sessionCommit = await git(s2.dir, "rev-parse", "HEAD");
    expect(second).toEqual({
      kind: "conflict",
      files: ["notes.md"],
      branch: "aachat/session/s2",
      commit: sessionCommit,
      message:
        `Memory not published: this session and main both changed notes.md in ways git cannot merge. ` +
        `Nothing is lost: the session's commit ${sessionCommit.slice(0, 12)} stays on branch aachat/session/s2, and main is unchanged. ` +
        `To combine them, run \`git merge aachat/session/s2\` in ${repoDir}, resolve the conflict and push.`,
    });
    expect(await git(remote, "rev-parse", "main")).toBe(remoteMainBefore);
    expect(await remoteFile(remote, "notes.md")).toBe("deploy with make release");
    expect(await git(repoDir, "show", "aachat/session/s2:notes.md")).toBe("deploy with the web console");
    expect(await git(repoDir, "log", "-1", "--format=%s", "aachat/session/s2")).toBe("Memory: session s2 after turn 1");
    expect(await git(s2.dir, "status", "--porcelain")).toBe("");
  });

  it("fetches and rebases again when someone pushes while it pushes", async () => {
    const { repoDir, remote } = await agentWithRemote();
    const other = path.join(await makeTempDir("other"), "helper");
    await cloneAgentRepo(remote, other);
    // The first push of the agent repository is preceded by one from another machine.
    const hook = path.join(repoDir, ".git", "hooks", "pre-push");
    await writeFile(
      hook,
      [
        "#!/bin/sh",
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE",
        `marker="${path.join(path.dirname(other), "pushed")}"`,
        '[ -e "$marker" ] && exit 0',
        'touch "$marker"',
        `cd "${other}" && echo "- Written on another machine." >> CLAUDE.md &&`,
        "  git -c user.name=other -c user.email=other@example.org commit -qam 'Memory from elsewhere' &&",
        "  git push -q origin main",
        "",
      ].join("\n"),
    );
    await chmod(hook, 0o755);
    const session = await createWorkspace(repoDir, "s1");
    await appendFile(path.join(session.dir, "CLAUDE.md"), "- Written by session s1.\n");

    const logLines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => logLines.push(line) });

    const result = await new MemoryPublisher({ logger }).commitAndPublish(
      session.dir,
      "Memory: session s1 after turn 2",
    );

    expect(result).toMatchObject({ kind: "published", pushed: true });
    expect(logLines.filter((line) => line.includes("push lost a race"))).toHaveLength(1);
    expect((await git(remote, "log", "--format=%s", "-2", "main")).split("\n")).toEqual([
      "Memory: session s1 after turn 2",
      "Memory from elsewhere",
    ]);
    const claudeMd = await remoteFile(remote, "CLAUDE.md");
    expect(claudeMd).toContain("- Written on another machine.");
    expect(claudeMd).toContain("- Written by session s1.");
  });

  it("says so when there is nothing to commit", async () => {
    const { repoDir } = await agentWithRemote();
    const session = await createWorkspace(repoDir, "s1");
    expect(await new MemoryPublisher().commitAndPublish(session.dir, "Memory: session s1 after turn 1")).toEqual({
      kind: "nothing-to-commit",
    });
  });

  it("commits as aachat when git has no identity, and as the owner when the repository has one", async () => {
    const { repoDir } = await agentWithRemote();
    const session = await createWorkspace(repoDir, "s1");
    const publisher = new MemoryPublisher();
    await appendFile(path.join(session.dir, "CLAUDE.md"), "- first\n");
    await publisher.commitAndPublish(session.dir, "Memory: session s1 after turn 1");
    expect(await git(repoDir, "log", "-1", "--format=%an <%ae> / %cn <%ce>", "main")).toBe(
      "aachat <aachat@localhost> / aachat <aachat@localhost>",
    );

    await git(repoDir, "config", "user.name", "Ada Owner");
    await git(repoDir, "config", "user.email", "ada@example.org");
    await appendFile(path.join(session.dir, "CLAUDE.md"), "- second\n");
    await publisher.commitAndPublish(session.dir, "Memory: session s1 after turn 2");
    expect(await git(repoDir, "log", "-1", "--format=%an <%ae>", "main")).toBe("Ada Owner <ada@example.org>");
  });

  it("publishes to main alone when the agent repository has no remote", async () => {
    const repoDir = path.join(await makeTempDir("local"), "helper");
    await scaffoldAgentRepo(repoDir, { name: "helper" });
    const session = await createWorkspace(repoDir, "s1");
    await appendFile(path.join(session.dir, "CLAUDE.md"), "- kept locally\n");

    const result = await new MemoryPublisher().commitAndPublish(session.dir, "Memory: session s1 at its end");

    expect(result).toEqual({ kind: "published", pushed: false, commit: await git(repoDir, "rev-parse", "main") });
    expect(await readFile(path.join(repoDir, "CLAUDE.md"), "utf8")).toContain("- kept locally\n");
    expect(await git(repoDir, "status", "--porcelain")).toBe("");
  });

  it("keeps the commit on main and reports why when the remote cannot be reached", async () => {
    const { repoDir } = await agentWithRemote();
    await git(repoDir, "remote", "set-url", "origin", path.join(repoDir, "..", "gone.git"));
    const session = await createWorkspace(repoDir, "s1");
    await appendFile(path.join(session.dir, "CLAUDE.md"), "- learned offline\n");

    const result = await new MemoryPublisher().commitAndPublish(session.dir, "Memory: session s1 after turn 1");

    expect(result).toEqual({
      kind: "published",
      pushed: false,
      commit: await git(repoDir, "rev-parse", "main"),
      pushError: expect.stringMatching(/gone\.git/),
    });
    expect(await git(repoDir, "log", "-1", "--format=%s", "main")).toBe("Memory: session s1 after turn 1");
  });
});
