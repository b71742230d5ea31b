import { describe, expect, it } from "vitest";
import { AgentExitedError } from "../src/acp/AcpProcess.ts";
import { InterruptedTurns } from "../src/sessions/CrashRecovery.ts";
import type { TurnOutcome } from "../src/turns/Turn.ts";

const agentDied: TurnOutcome = { kind: "failed", error: new AgentExitedError("killed by SIGKILL"), agentExited: true };
const answered: TurnOutcome = { kind: "answered", stopReason: "end_turn" };

describe("InterruptedTurns: a turn cut short by the agent process dying", () => {
  it("runs again once, in the same message, and then ends in a notice if the agent dies again", () => {
    const turns = new InterruptedTurns();
    expect(turns.willRunAgain("sig-1")).toBe(true);
    expect(turns.ended("sig-1", agentDied, false)).toBe(true);
    expect(turns.willRunAgain("sig-1")).toBe(false);
    expect(turns.ended("sig-1", agentDied, false)).toBe(false);
    expect(turns.willRunAgain("sig-1")).toBe(true);
  });

  it("does not run again when someone stopped it, or when it failed for another reason", () => {
    const turns = new InterruptedTurns();
    expect(turns.ended("sig-1", agentDied, true)).toBe(false);
    const refused: TurnOutcome = { kind: "failed", error: new Error("rate limited"), agentExited: false };
    expect(turns.ended("sig-2", refused, false)).toBe(false);
  });

  it("is over once the turn was answered", () => {
    const turns = new InterruptedTurns();
    expect(turns.ended("sig-1", agentDied, false)).toBe(true);
    expect(turns.ended("sig-1", answered, false)).toBe(false);
    expect(turns.willRunAgain("sig-1")).toBe(true);
  });
});
