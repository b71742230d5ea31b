import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { lazyChild } from "../src/inbox/lazyLogger.ts";

describe("lazyChild", () => {
  it("logs with its bindings, redacted as its parent's, and makes the child only when used", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let children = 0;
    const parent = pino(
      { level: "info", redact: { paths: ["*.token"], censor: "[redacted]" }, onChild: () => void children++ },
      sink,
    );

    const quiet = lazyChild(parent, { eventId: "$quiet" });
    const used = lazyChild(parent, { eventId: "$used" });
    expect(children).toBe(0);
    used.info({ auth: { token: "secret" } }, "handled");
    used.debug("below the level");
    expect(used.isLevelEnabled("info")).toBe(true);

    expect(children).toBe(1);
    expect(quiet).toBeDefined();
    expect(lines).toEqual([
      expect.objectContaining({ eventId: "$used", auth: { token: "[redacted]" }, msg: "handled" }),
    ]);
  });
});
