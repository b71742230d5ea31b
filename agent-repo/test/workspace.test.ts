import { access, appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AgentRepoError, createWorkspace, MemoryPublisher, removeWorkspace } from "../src/index.ts";
import { agentFixture } from "./support/agentFixture.ts";
import { git } from "./support/git.ts";

describe("createWorkspace", () => {
  it("makes a worktree beside the repository on a new session branch from main", async () => {
    const repoDir = await agentFixture();

    const workspace = await createWorkspace(repoDir, "s1");

    expect(workspace).toEqual({
      dir: path.join(path.dirname(repoDir), ".aachat-workspaces", "helper", "s1"),
      branch: "aachat/session/s1",
    });
    expect(await git(workspace.dir, "symbolic-ref", "--short", "HEAD")).toBe("aachat/session/s1");
    expect(await git(workspace.dir, "rev-parse", "HEAD")).toBe(await git(repoDir, "rev-parse", "main"));
    expect(await git(repoDir, "status", "--porcelain")).toBe("");
  });

  it("returns the same workspace, with its work, when asked again for the session", async () => {
    const repoDir = await agentFixture();
    const first = await createWorkspace(repoDir, "s1");
    await writeFile(path.join(first.dir, "draft.md"), "unfinished\n");

    expect(await createWorkspace(repoDir, "s1")).toEqual(first);
    await expect(access(path.join(first.dir, "draft.md"))).resolves.toBeUndefined();
  });

  it("refuses a session id that is unsafe in a branch or folder name", async () => {
    const repoDir = await agentFixture();
    await expect(createWorkspace(repoDir, "../escape")).rejects.toThrow(
      new AgentRepoError(
        "invalid session id '../escape': use up to 128 letters, digits, '-' and '_', starting with a letter or digit",
      ),
    );
  });
});

describe("removeWorkspace", () => {
  it("removes the worktree and its branch once its work is on main", async () => {
    const repoDir = await agentFixture();
    const workspace = await createWorkspace(repoDir, "s1");
    await appendFile(path.join(workspace.dir, "CLAUDE.md"), "- learned something\n");
    await new MemoryPublisher().commitAndPublish(workspace.dir, "Memory: session s1 at its end");

    expect(await removeWorkspace(repoDir, "s1")).toEqual({ branchKept: false });

    await expect(access(workspace.dir)).rejects.toThrow(/ENOENT/);
    expect(await git(repoDir, "branch", "--list", "aachat/session/*")).toBe("");
  });

  it("keeps a branch whose commits are not on main", async () => {
    const repoDir = await agentFixture();
    const workspace = await createWorkspace(repoDir, "s1");
    await writeFile(path.join(workspace.dir, "work.md"), "kept\n");
    await git(workspace.dir, "add", "work.md");
    await git(workspace.dir, "commit", "-q", "-m", "Work not yet published");

    expect(await removeWorkspace(repoDir, "s1")).toEqual({ branchKept: true });
    expect(await git(repoDir, "log", "-1", "--format=%s", "aachat/session/s1")).toBe("Work not yet published");
  });

  it("refuses to drop changes that were never committed, unless told to", async () => {
    const repoDir = await agentFixture();
    const workspace = await createWorkspace(repoDir, "s1");
    await appendFile(path.join(workspace.dir, "CLAUDE.md"), "- not committed\n");

    await expect(removeWorkspace(repoDir, "s1")).rejects.toThrow(
      `the workspace of session s1 (${workspace.dir}) has changes not committed; publish them with MemoryPublisher.commitAndPublish first, or pass { discardChanges: true }`,
    );
    expect(await removeWorkspace(repoDir, "s1", { discardChanges: true })).toEqual({ branchKept: false });
  });
});
