import { mkdtemp, readFile, symlink, mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runGit } from "@aachat/agent-repo";
import { describe, expect, it } from "vitest";
import { INBOX_DIR, safeFileName, saveToInbox } from "../src/turns/workspaceInbox.ts";

async function gitWorkspace(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "inbox-"));
  await runGit(dir, ["init", "--quiet"]);
  return dir;
}

describe("safeFileName", () => {
  it("keeps ordinary names", () => {
    expect(safeFileName("Release notes v2.txt")).toBe("Release notes v2.txt");
    expect(safeFileName("résumé.pdf")).toBe("résumé.pdf");
  });
  it("keeps no folders, no leading dots and no odd characters", () => {
    expect(safeFileName("../../etc/passwd")).toBe("passwd");
    expect(safeFileName("..\\..\\boot.ini")).toBe("boot.ini");
    expect(safeFileName(".env")).toBe("env");
    expect(safeFileName("..")).toBe("file");
    expect(safeFileName("a\u0000b|c*.sh")).toBe("a_b_c_.sh");
  });
  it("shortens long names and keeps their extension", () => {
    const name = safeFileName(`${"x".repeat(300)}.json`);
    expect(name).toHaveLength(100);
    expect(name.endsWith(".json")).toBe(true);
  });
});

describe("saveToInbox", () => {
  it("saves inside the workspace's inbox, with a suffix when the name is taken, out of git", async () => {
    const workspace = await gitWorkspace();
    const first = await saveToInbox(workspace, "../../notes.txt", Buffer.from("one"));
    const second = await saveToInbox(workspace, "notes.txt", Buffer.from("two"));
    expect(path.relative(workspace, first)).toBe(path.join(INBOX_DIR, "notes.txt"));
    expect(path.relative(workspace, second)).toBe(path.join(INBOX_DIR, "notes-2.txt"));
    expect(await readFile(first, "utf8")).toBe("one");
    expect(await readFile(second, "utf8")).toBe("two");
    const status = await runGit(workspace, ["status", "--porcelain", "--untracked-files=all"]);
    expect(status.stdout).toBe("");
  });

  it("refuses an inbox that leads out of the workspace", async () => {
    const workspace = await gitWorkspace();
    const elsewhere = await mkdtemp(path.join(tmpdir(), "elsewhere-"));
    await mkdir(path.join(workspace, ".aachat"));
    await symlink(elsewhere, path.join(workspace, INBOX_DIR));
    await expect(saveToInbox(workspace, "x.txt", Buffer.from("x"))).rejects.toThrow("not a plain folder");
    expect(await readdir(elsewhere)).toEqual([]);
  });
});
