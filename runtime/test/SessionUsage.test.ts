import type { PromptResponse, SessionUpdate } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { SessionUsage, turnTokens, usageFooter } from "../src/turns/SessionUsage.ts";

const cost = (amount: number, currency = "USD"): SessionUpdate => ({
  sessionUpdate: "usage_update",
  used: 1000,
  size: 200_000,
  cost: { amount, currency },
});

describe("SessionUsage: what a session has cost", () => {
  it("adds up the growth of the agent's running total, across a restart of its process", () => {
    const usage = new SessionUsage();
    expect(usage.total).toBeNull();
    usage.apply(cost(0.5));
    usage.apply(cost(0.75));
    // A new agent process starts counting at 0 again.
    usage.apply(cost(0.1));
    usage.addTokens(1200);
    expect(usage.total).toEqual({ tokens: 1200, costUsd: 0.85 });
  });

  it("ignores other currencies and other updates", () => {
    const usage = new SessionUsage();
    usage.apply(cost(3, "EUR"));
    usage.apply({ sessionUpdate: "usage_update", used: 10, size: 100 });
    expect(usage.total).toBeNull();
  });

  it("reads claude-agent-acp's token count from a prompt response, when there is one", () => {
    const withUsage = {
      stopReason: "end_turn",
      usage: { inputTokens: 900, outputTokens: 300, cachedReadTokens: 0, cachedWriteTokens: 0, totalTokens: 1200 },
    } as PromptResponse;
    expect(turnTokens(withUsage)).toBe(1200);
    expect(turnTokens({ stopReason: "end_turn" })).toBeNull();
    expect(turnTokens({ stopReason: "end_turn", usage: { totalTokens: "many" } } as PromptResponse)).toBeNull();
  });
});

describe("usageFooter", () => {
  it("says the turn's tokens and cost and the session's total, short", () => {
    expect(usageFooter({ tokens: 1234, costUsd: 0.042 }, { tokens: 9000, costUsd: 1.3149 })).toBe(
      "_1.2k tokens · $0.042 · session $1.31_",
    );
    expect(usageFooter({ tokens: 850, costUsd: 0.00031 }, { tokens: 850, costUsd: 0.00031 })).toBe(
      "_850 tokens · $0.0003 · session $0.0003_",
    );
    expect(usageFooter({ tokens: 2_500_000, costUsd: 12 }, { tokens: 2_500_000, costUsd: 12 })).toBe(
      "_2.5M tokens · $12.00 · session $12.00_",
    );
  });

  it("says only what the agent reported, and nothing when it reported nothing", () => {
    expect(usageFooter({ tokens: 1200, costUsd: null }, { tokens: 5000, costUsd: 0 })).toBe(
      "_1.2k tokens · session 5k tokens_",
    );
    expect(usageFooter({ tokens: null, costUsd: 0.5 }, { tokens: 0, costUsd: 0.5 })).toBe("_$0.500 · session $0.500_");
    expect(usageFooter({ tokens: null, costUsd: null }, null)).toBe("");
  });
});
