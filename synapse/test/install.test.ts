import { chmod, mkdir, readdir, readFile, symlink, writeFile, readlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureSynapseInstalled, SynapseInstallError } from "../src/index.ts";
import { relocateVenv } from "../src/relocate-venv.ts";
import { silentLogger, tempDir } from "./helpers.ts";

describe("ensureSynapseInstalled failure handling", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const savedPython = process.env.AACHAT_PYTHON;

  beforeEach(async () => {
    tmp = await tempDir("install");
  });
  afterEach(async () => {
    if (savedPython === undefined) delete process.env.AACHAT_PYTHON;
    else process.env.AACHAT_PYTHON = savedPython;
    await tmp.cleanup();
  });

  it("reports a failed venv creation with the log's tail and leaves no half-built venv", async () => {
    const python = path.join(tmp.dir, "python3");
    // Answers the version probe, fails like Debian's python3 without python3-venv.
    await writeFile(
      python,
      `#!/bin/sh\nif [ "$1" = "-m" ]; then echo "Error: ensurepip is not available" >&2; exit 1; fi\necho 3.11.2\n`,
    );
    await chmod(python, 0o755);
    process.env.AACHAT_PYTHON = python;
    const venvDir = path.join(tmp.dir, "cache", "synapse-venv");
    const progress: string[] = [];

    const error = await ensureSynapseInstalled({
      logger: silentLogger,
      venvDir,
      onProgress: (m) => progress.push(m),
    }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(SynapseInstallError);
    expect((error as Error).message).toContain("ensurepip is not available");
    expect((error as Error).message).toContain("python3-venv");
    expect(progress[0]).toContain("Installing Synapse");
    const left = await readdir(path.dirname(venvDir));
    expect(left).toEqual(["synapse-venv-install-failed.log"]);
    expect(await readFile(path.join(path.dirname(venvDir), left[0] ?? ""), "utf8")).toContain("ensurepip");
  });

  it("leaves alone an existing directory it did not create", async () => {
    const venvDir = path.join(tmp.dir, "someone-elses-venv");
    await mkdir(venvDir);
    await writeFile(path.join(venvDir, "precious.txt"), "keep me");
    await expect(ensureSynapseInstalled({ logger: silentLogger, venvDir })).rejects.toThrow(
      /was not created by aachat/,
    );
    expect(await readdir(venvDir)).toEqual(["precious.txt"]);
  });
});

describe("relocateVenv", () => {
  it("points scripts and activate files at the final directory and leaves symlinks alone", async () => {
    const tmp = await tempDir("relocate");
    try {
      const built = path.join(tmp.dir, "venv.partial-1-ab");
      const final = path.join(tmp.dir, "venv");
      await mkdir(path.join(built, "bin"), { recursive: true });
      await writeFile(path.join(built, "bin", "pip"), `#!${built}/bin/python3\nimport pip\n`, { mode: 0o755 });
      await writeFile(path.join(built, "bin", "activate"), `VIRTUAL_ENV="${built}"\n`);
      await symlink("/usr/bin/python3", path.join(built, "bin", "python3"));
      await writeFile(path.join(built, "pyvenv.cfg"), `home = /usr/bin\ncommand = /usr/bin/python3 -m venv ${built}\n`);

      await relocateVenv(built, final);

      expect(await readFile(path.join(built, "bin", "pip"), "utf8")).toBe(`#!${final}/bin/python3\nimport pip\n`);
      expect(await readFile(path.join(built, "bin", "activate"), "utf8")).toBe(`VIRTUAL_ENV="${final}"\n`);
      expect(await readlink(path.join(built, "bin", "python3"))).toBe("/usr/bin/python3");
      expect(await readFile(path.join(built, "pyvenv.cfg"), "utf8")).toContain(`-m venv ${final}`);
    } finally {
      await tmp.cleanup();
    }
  });
});
