import type { SessionUpdate } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { TurnTranscript } from "../src/turns/TurnTranscript.ts";

const say = (text: string): SessionUpdate => ({
  sessionUpdate: "agent_message_chunk",
  content: { type: "text", text },
});

/** A transcript that took these updates. */
function transcriptOf(...updates: SessionUpdate[]): TurnTranscript {
  const transcript = new TurnTranscript();
  for (const update of updates) transcript.apply(update);
  return transcript;
}

describe("TurnTranscript: what chat shows of a turn", () => {
  it("shows the agent's text as one paragraph however it was streamed", () => {
    const transcript = transcriptOf(say("The login "), say("page is slow because "), say("of the N+1 query."));
    expect(transcript.render()).toBe("The login page is slow because of the N+1 query.");
  });

  it("shows nothing, and asks for no edit, before the agent said anything", () => {
    const transcript = new TurnTranscript();
    expect(transcript.apply(say(""))).toBe(false);
    expect(transcript.apply({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: "hmm" } })).toBe(
      false,
    );
    expect(transcript.isEmpty).toBe(true);
    expect(transcript.render()).toBe("");
  });

  it("shows a tool call as one line that turns from … into ✓ in place", () => {
    const transcript = transcriptOf(say("Let me check."), {
      sessionUpdate: "tool_call",
      toolCallId: "t1",
      title: "Read src/login.ts",
      status: "pending",
    });
    expect(transcript.render()).toBe("Let me check.\n\n_▸ Read src/login.ts_ …");
    transcript.apply({ sessionUpdate: "tool_call_update", toolCallId: "t1", status: "completed" });
    expect(transcript.render()).toBe("Let me check.\n\n_▸ Read src/login.ts_ ✓");
  });

  it("groups consecutive tool calls in one block, and marks a failed one ✗", () => {
    const transcript = transcriptOf(
      { sessionUpdate: "tool_call", toolCallId: "t1", title: "Run tests", status: "completed" },
      { sessionUpdate: "tool_call", toolCallId: "t2", title: "Run lint", status: "failed" },
      say("Tests pass; lint does not."),
    );
    expect(transcript.render()).toBe("_▸ Run tests_ ✓\n_▸ Run lint_ ✗\n\nTests pass; lint does not.");
  });

  it("asks for no edit when an update changes nothing chat shows", () => {
    const transcript = transcriptOf({
      sessionUpdate: "tool_call",
      toolCallId: "t1",
      title: "Read a file",
      status: "in_progress",
    });
    expect(transcript.apply({ sessionUpdate: "tool_call_update", toolCallId: "t1", status: "in_progress" })).toBe(
      false,
    );
    expect(transcript.apply({ sessionUpdate: "tool_call_update", toolCallId: "t1", title: "Read src/a.ts" })).toBe(
      true,
    );
    expect(transcript.render()).toBe("_▸ Read src/a.ts_ …");
  });

  it("shows a tool call first heard of through an update, as running, with a stand-in title", () => {
    const transcript = transcriptOf({ sessionUpdate: "tool_call_update", toolCallId: "t9" });
    expect(transcript.render()).toBe("_▸ a tool_ …");
  });

  it("keeps a tool's title to one line of at most 160 characters", () => {
    const title = `grep -rn "needle"\n  ${"x".repeat(300)}`;
    const line = transcriptOf({ sessionUpdate: "tool_call", toolCallId: "t1", title, status: "pending" }).render();
    expect(line).not.toContain("\n");
    expect(line.startsWith('_▸ grep -rn "needle" xxx')).toBe(true);
    expect(line).toBe(`_▸ ${`grep -rn "needle" ${"x".repeat(300)}`.slice(0, 159)}…_ …`);
  });

  it("shows the plan as a checklist where it first appeared, updated in place", () => {
    const transcript = transcriptOf(
      say("Here is my plan."),
      {
        sessionUpdate: "plan",
        entries: [
          { content: "Find the slow query", priority: "high", status: "in_progress" },
          { content: "Add an index", priority: "medium", status: "pending" },
        ],
      },
      say("Working on it."),
    );
    expect(transcript.render()).toBe(
      "Here is my plan.\n\n**Plan**\n▶ Find the slow query\n☐ Add an index\n\nWorking on it.",
    );
    transcript.apply({
      sessionUpdate: "plan",
      entries: [
        { content: "Find the slow query", priority: "high", status: "completed" },
        { content: "Add an index", priority: "medium", status: "in_progress" },
      ],
    });
    expect(transcript.render()).toBe(
      "Here is my plan.\n\n**Plan**\n☑ Find the slow query\n▶ Add an index\n\nWorking on it.",
    );
  });

  it("gives the agent's own words without tool lines or plan", () => {
    const transcript = transcriptOf(
      say("Checking. "),
      { sessionUpdate: "tool_call", toolCallId: "t1", title: "Read a file", status: "completed" },
      say("Found it."),
    );
    expect(transcript.text).toBe("Checking. Found it.");
  });
});
