import { describe, expect, it } from "vitest";
import { replacementNoticeText } from "../src/runtimeSocket/replacementNotice.ts";

const state = (hostname: string, pid: number) => ({
  version: "0.1.0",
  pid,
  hostname,
  startedAt: "2026-11-26T00:00:00.000Z",
  sessions: [],
});

describe("the owner's notice when a runtime is replaced", () => {
  it("names both hosts and how to rotate the token", () => {
    expect(replacementNoticeText("reviewer", state("laptop", 12), state("build-box", 34))).toBe(
      "Another runtime (on build-box, version 0.1.0, pid 34) connected with this agent's token and replaced " +
        "the one on laptop (pid 12), which has stopped. If this wasn't you, rotate the token: " +
        "`aachat agent token rotate reviewer`",
    );
  });

  it("says what it does not know", () => {
    expect(replacementNoticeText("reviewer", null, null)).toBe(
      "Another runtime (its host and version unknown) connected with this agent's token and replaced " +
        "the one that was connected, which has stopped. If this wasn't you, rotate the token: " +
        "`aachat agent token rotate reviewer`",
    );
  });
});
