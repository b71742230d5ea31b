import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CloneError, cloneAgentRepo, validateAgentRepo } from "../src/index.ts";
import { agentFixture } from "./support/agentFixture.ts";
import { bareRemoteOf } from "./support/bareRemote.ts";
import { git } from "./support/git.ts";
import { makeTempDir } from "./support/tempDirs.ts";

describe("cloneAgentRepo", () => {
  it("clones an agent from a bare repository", async () => {
    const remote = await bareRemoteOf(await agentFixture());
    const dest = path.join(await makeTempDir("clone"), "helper");

    expect(await cloneAgentRepo(remote, dest)).toEqual({ dir: dest });

    expect(await git(dest, "remote", "get-url", "origin")).toBe(remote);
    expect(await git(dest, "log", "--format=%s")).toBe("Create agent helper from the aachat template");
    expect((await validateAgentRepo(dest)).ok).toBe(true);
  });

  it("fails clearly for a remote that does not exist and leaves no destination behind", async () => {
    const base = await makeTempDir("clone");
    const missing = path.join(base, "no-such-agent.git");
    const dest = path.join(base, "helper");

    const failure = cloneAgentRepo(missing, dest);

    await expect(failure).rejects.toBeInstanceOf(CloneError);
    await expect(failure).rejects.toThrow(
      `cannot clone ${missing}: repository '${missing}' does not exist; check the URL and your access`,
    );
    await expect(access(dest)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a destination that exists", async () => {
    const remote = await bareRemoteOf(await agentFixture());
    const dest = await makeTempDir("clone-busy");
    await mkdir(path.join(dest, "keep"));

    await expect(cloneAgentRepo(remote, dest)).rejects.toThrow(
      `cannot clone into ${dest}: it already exists; choose a new directory or remove it first`,
    );
    await expect(access(path.join(dest, "keep"))).resolves.toBeUndefined();
  });

  it("never repeats a password or token from the URL", async () => {
    const dest = path.join(await makeTempDir("clone"), "helper");
    // Port 9 (discard) on localhost: refused at once, no network needed.
    const failure = cloneAgentRepo("http://someone:s3cret-token@127.0.0.1:9/helper.git", dest);

    await expect(failure).rejects.toThrow(
      /^cannot clone http:\/\/\*\*\*@127\.0\.0\.1:9\/helper\.git: .+; check the URL and your access$/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret-token/);
  });
});
