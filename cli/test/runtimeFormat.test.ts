import { describe, expect, it } from "vitest";
import { renderRuntimeStatus, renderRuntimeTable, renderSession } from "../src/format/runtime.ts";
import { shortTime } from "../src/format/table.ts";

const at = "2026-11-26T00:14:00.000Z";

describe("a runtime that stopped on its own", () => {
  it("says it was displaced, and how to rotate the token", () => {
    const text = renderRuntimeStatus("reviewer", null, { reason: "displaced", at, message: "displaced: …" });
    expect(text).toBe(
      `The runtime of reviewer is not running on this machine. It was displaced at ${shortTime(at)}: another ` +
        "runtime connected with this agent's token and replaced it. If that wasn't you, rotate the token: " +
        "`aachat agent token rotate reviewer`. Start it with `aachat agent start reviewer -p PROJECT`.",
    );
    expect(
      renderRuntimeTable([{ name: "reviewer", status: null, lastStop: { reason: "displaced", at, message: "" } }]),
    ).toContain("stopped (displaced)");
  });

  it("says nothing more when it was stopped by its owner", () => {
    expect(renderRuntimeStatus("reviewer", null, null)).toBe(
      "The runtime of reviewer is not running on this machine. Start it with `aachat agent start reviewer -p PROJECT`.",
    );
  });
});

describe("a session line", () => {
  it("shows the session's mode and model where the agent has them", () => {
    const session = {
      id: "s1a2b3c4d",
      projects: [{ id: 1, team: "acme", name: "site", roomId: "!site:localhost" }],
      status: "ready" as const,
      agent: "claude-agent-acp",
      conversation: "new" as const,
      startedAt: at,
      turn: null,
      queued: 0,
      error: null,
    };
    expect(renderSession({ ...session, mode: "plan", model: "sonnet" })).toBe(
      "session s1a2b3c4d covering acme/site: ready (claude-agent-acp) · mode plan · model sonnet",
    );
    expect(renderSession(session)).toBe("session s1a2b3c4d covering acme/site: ready (claude-agent-acp)");
  });
});
