import { once, type EventEmitter } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/logging/logger.ts";

describe("the log", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function logTo(format: "pretty" | "json"): Promise<string> {
    dir = mkdtempSync(path.join(tmpdir(), "aachat-logger-"));
    const file = path.join(dir, "out.log");
    const fd = openSync(file, "w");
    const log = createLogger({ name: "aachat", level: "info", format, destination: fd });
    log.info({ agent: "coder", nested: { token: "s3cret" } }, "agent started");
    if (format === "json") {
      // The JSON destination writes asynchronously, and its flush() does not wait for a write
      // already under way: ending it and waiting for it to close its fd does.
      const destination = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as EventEmitter & {
        end(): void;
      };
      const closed = once(destination, "close");
      destination.end();
      await closed;
    } else {
      await new Promise<void>((resolve, reject) => log.flush((error) => (error ? reject(error) : resolve())));
      closeSync(fd);
    }
    return readFileSync(file, "utf8");
  }

  it("is readable lines when pretty, secrets redacted", async () => {
    const text = await logTo("pretty");
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(aachat\): agent started\n/);
    expect(text).toContain('agent: "coder"');
    expect(text).toContain("[redacted]");
    expect(text).not.toContain("s3cret");
  });

  it("is one JSON object a line otherwise", async () => {
    const text = await logTo("json");
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "agent started", agent: "coder", nested: { token: "[redacted]" } });
  });
});
