import type { ContentBlock } from "@agentclientprotocol/sdk";
import type { ProjectRef } from "@aachat/protocol";
import { describe, expect, it } from "vitest";
import { buildPrompt } from "../src/turns/buildPrompt.ts";
import { mentionSignal, reviewer, roomMessage } from "./support/fixtures.ts";

const coverage: ProjectRef[] = [
  { id: 7, team: "acme", name: "web", roomId: "!web:aachat.test" },
  { id: 8, team: "acme", name: "api", roomId: "!api:aachat.test" },
];

/** The prompt's two blocks as text: what the agent is told, and what it answers. */
function told(blocks: ContentBlock[]): { setting: string; question: string } {
  expect(blocks).toHaveLength(2);
  const [setting, question] = blocks.map((block) => (block.type === "text" ? block.text : ""));
  return { setting: setting!, question: question! };
}

describe("buildPrompt: what the agent is told for one signal", () => {
  it("ends with the message it answers and who wrote it", () => {
    const { question } = told(buildPrompt({ identity: reviewer, signal: mentionSignal(), coverage, context: [] }));
    expect(question).toBe("@alice:aachat.test mentioned you:\nReviewer: please look at the login page");
  });

  it("says when the message is a reply to the agent, or its owner writing in their DM", () => {
    const reply = told(
      buildPrompt({ identity: reviewer, signal: mentionSignal({ inReplyTo: "$answer" }), coverage, context: [] }),
    );
    expect(reply.question.split("\n")[0]).toBe("@alice:aachat.test replied to you:");
    const dm = mentionSignal({
      kind: "dm",
      roomId: reviewer.dmRoomId,
      projectId: null,
      team: null,
      project: null,
      sender: reviewer.ownerUserId,
    });
    const fromOwner = told(buildPrompt({ identity: reviewer, signal: dm, coverage, context: [] }));
    expect(fromOwner.question.split("\n")[0]).toBe("Your owner @owner:aachat.test wrote to you:");
    expect(fromOwner.setting).toContain("This message comes from your direct-message room with your owner.");
  });

  it("tells the agent who it is, who its owner is, where it was asked and what it covers", () => {
    const { setting } = told(
      buildPrompt({ identity: reviewer, signal: mentionSignal({ threadRootId: "$root" }), coverage, context: [] }),
    );
    const lines = setting.split("\n");
    expect(lines[0]).toContain("You are Reviewer (@reviewer:aachat.test)");
    expect(lines[0]).toContain("Your owner is @owner:aachat.test.");
    expect(lines[1]).toBe("This message comes from project acme/web, in a thread.");
    expect(lines[2]).toBe("Your session covers: acme/web, acme/api.");
    expect(setting).toContain("use the aachat tools");
    expect(setting).not.toContain("oldest first");
  });

  it("gives the conversation so far, oldest first, with who said what and when", () => {
    const context = [
      roomMessage(),
      roomMessage({
        eventId: "$later",
        sender: "@ci:aachat.test",
        senderName: "CI",
        senderKind: "bot",
        body: "Build 42 failed:\nlogin.spec.ts timed out",
        ts: "2026-11-26T09:20:00.000Z",
      }),
    ];
    const { setting } = told(buildPrompt({ identity: reviewer, signal: mentionSignal(), coverage, context }));
    expect(setting.split("\n").slice(-4)).toEqual([
      "Recent messages (oldest first):",
      "[2026-11-26 09:12] Bob (@bob:aachat.test, human): The login page is slow since Monday.",
      "[2026-11-26 09:20] CI (@ci:aachat.test, bot): Build 42 failed:",
      "    login.spec.ts timed out",
    ]);
  });

  it("calls a thread's history the thread so far", () => {
    const { setting } = told(
      buildPrompt({
        identity: reviewer,
        signal: mentionSignal({ threadRootId: "$root" }),
        coverage,
        context: [roomMessage({ threadRootId: "$root" })],
      }),
    );
    expect(setting).toContain("\nThe thread so far (oldest first):\n");
  });

  it("cuts a long message of the history at 2000 characters and says so", () => {
    const long = roomMessage({ body: "a".repeat(5_000) });
    const { setting } = told(buildPrompt({ identity: reviewer, signal: mentionSignal(), coverage, context: [long] }));
    const line = setting.split("\n").at(-1)!;
    expect(line).toBe(`[2026-11-26 09:12] Bob (@bob:aachat.test, human): ${"a".repeat(2_000)}… (cut)`);
  });
});
