import { describe, expect, it } from "vitest";
import { formatLogLine } from "../src/index.ts";

describe("formatLogLine", () => {
  it("shows a pino line as time, level, message and its own fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.parse("2026-11-26T12:01:02.000Z"),
      pid: 7,
      hostname: "box",
      agent: "reviewer",
      msg: "turn cancelled",
      session: "s1",
      detail: { turns: 2 },
    });
    expect(formatLogLine(line)).toBe('12:01:02 WARN  turn cancelled session=s1 detail={"turns":2}');
  });

  it("leaves a line that is not pino's as it is", () => {
    expect(formatLogLine("    at Object.<anonymous> (/x.js:1:1)")).toBe("    at Object.<anonymous> (/x.js:1:1)");
    expect(formatLogLine('{"no":"msg"}')).toBe('{"no":"msg"}');
  });
});
