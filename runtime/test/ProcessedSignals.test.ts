import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROCESSED_SIGNALS_FILE, ProcessedSignals } from "../src/ProcessedSignals.ts";

describe("ProcessedSignals", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), "aachat-runtime-"));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("keeps ids across a reopen, one a line, each once", async () => {
    const first = await ProcessedSignals.open(path.join(stateDir, "nested"));
    expect(first.has("sig_1")).toBe(false);
    await first.add("sig_1");
    await first.add("sig_2");
    await first.add("sig_1");
    expect(first.has("sig_1")).toBe(true);
    await first.close();
    expect(await readFile(path.join(stateDir, "nested", PROCESSED_SIGNALS_FILE), "utf8")).toBe("sig_1\nsig_2\n");
    const second = await ProcessedSignals.open(path.join(stateDir, "nested"));
    expect(second.has("sig_1") && second.has("sig_2")).toBe(true);
    expect(second.size).toBe(2);
    await second.close();
  });

  it("refuses ids that would break the one-a-line format", async () => {
    const signals = await ProcessedSignals.open(stateDir);
    await expect(signals.add("sig\nforged")).rejects.toThrow(/malformed/);
    await expect(signals.add("")).rejects.toThrow(/malformed/);
    await signals.close();
  });

  it("compacts a long log to its newest ids on load", async () => {
    const ids = Array.from({ length: 25 }, (_, index) => `sig_${index}`);
    await writeFile(path.join(stateDir, PROCESSED_SIGNALS_FILE), ids.map((id) => `${id}\n`).join(""));
    const signals = await ProcessedSignals.open(stateDir, { maxLines: 20, keepLines: 10 });
    expect(signals.size).toBe(10);
    expect(signals.has("sig_24") && signals.has("sig_15")).toBe(true);
    expect(signals.has("sig_14")).toBe(false);
    await signals.add("sig_new");
    await signals.close();
    const lines = (await readFile(path.join(stateDir, PROCESSED_SIGNALS_FILE), "utf8")).trim().split("\n");
    expect(lines).toEqual([...ids.slice(15), "sig_new"]);
  });
});
