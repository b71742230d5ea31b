import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findPython, PythonMissingError, PythonTooOldError } from "../src/index.ts";
import { isRecentEnough } from "../src/python.ts";
import { tempDir } from "./helpers.ts";

async function fakePython(dir: string, name: string, printedVersion: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\necho "${printedVersion}"\n`);
  await chmod(file, 0o755);
  return file;
}

describe("findPython", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const savedEnv = { AACHAT_PYTHON: process.env.AACHAT_PYTHON, PATH: process.env.PATH };

  beforeEach(async () => {
    tmp = await tempDir("python");
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
    await tmp.cleanup();
  });

  it("rejects an AACHAT_PYTHON that is older than 3.10, naming it and its version", async () => {
    process.env.AACHAT_PYTHON = await fakePython(tmp.dir, "python3", "3.8.10");
    const error = await findPython().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PythonTooOldError);
    expect((error as Error).message).toContain("3.8.10");
    expect((error as Error).message).toContain(process.env.AACHAT_PYTHON);
    expect((error as Error).message).toContain(">= 3.10");
  });

  it("accepts an AACHAT_PYTHON of 3.10 or newer", async () => {
    process.env.AACHAT_PYTHON = await fakePython(tmp.dir, "python3", "3.12.1");
    await expect(findPython()).resolves.toEqual({ path: process.env.AACHAT_PYTHON, version: "3.12.1" });
  });

  it("throws PythonMissingError when AACHAT_PYTHON cannot run", async () => {
    process.env.AACHAT_PYTHON = path.join(tmp.dir, "does-not-exist");
    await expect(findPython()).rejects.toBeInstanceOf(PythonMissingError);
  });

  it("skips a too-old python3 on PATH in favour of a newer versioned one", async () => {
    delete process.env.AACHAT_PYTHON;
    await fakePython(tmp.dir, "python3", "3.9.2");
    const newer = await fakePython(tmp.dir, "python3.11", "3.11.4");
    process.env.PATH = tmp.dir;
    await expect(findPython()).resolves.toEqual({ path: newer, version: "3.11.4" });
  });

  it("throws PythonMissingError when PATH has no python at all", async () => {
    delete process.env.AACHAT_PYTHON;
    process.env.PATH = tmp.dir;
    await expect(findPython()).rejects.toBeInstanceOf(PythonMissingError);
  });

  it("compares versions numerically", () => {
    expect(isRecentEnough("3.10.0")).toBe(true);
    expect(isRecentEnough("3.9.18")).toBe(false);
    expect(isRecentEnough("3.13")).toBe(true);
    expect(isRecentEnough("4.0.0")).toBe(true);
    expect(isRecentEnough("2.7.18")).toBe(false);
  });
});
