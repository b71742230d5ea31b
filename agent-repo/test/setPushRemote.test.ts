import path from "node:path";
import { describe, expect, it } from "vitest";
import { setPushRemote } from "../src/index.ts";
import { agentFixture } from "./support/agentFixture.ts";
import { git } from "./support/git.ts";
import { makeTempDir } from "./support/tempDirs.ts";

describe("setPushRemote", () => {
  it("makes the URL origin and pushes main there", async () => {
    const repoDir = await agentFixture();
    const remote = path.join(await makeTempDir("remote"), "helper.git");
    await git(path.dirname(remote), "init", "--quiet", "--bare", remote);

    await setPushRemote(repoDir, remote);

    expect(await git(repoDir, "remote", "get-url", "origin")).toBe(remote);
    expect(await git(remote, "rev-parse", "main")).toBe(await git(repoDir, "rev-parse", "main"));
    expect(await git(repoDir, "rev-parse", "--abbrev-ref", "main@{upstream}")).toBe("origin/main");
  });

  it("fails clearly, without the URL's token, and leaves no origin behind", async () => {
    const repoDir = await agentFixture();

    const failure = setPushRemote(repoDir, "http://someone:s3cret-token@127.0.0.1:9/helper.git");

    await expect(failure).rejects.toThrow(
      /^cannot push the agent repository to http:\/\/\*\*\*@127\.0\.0\.1:9\/helper\.git: .+; check the URL and your access/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret-token/);
    expect(await git(repoDir, "remote")).toBe("");
  });
});
