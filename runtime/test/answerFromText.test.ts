import type { PermissionOption } from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { answerFromText } from "../src/permissions/answerFromText.ts";

/** The options Claude Code offers for a tool call, in its order. */
const options: PermissionOption[] = [
  { optionId: "allow", name: "Allow", kind: "allow_once" },
  { optionId: "always", name: "Always allow", kind: "allow_always" },
  { optionId: "reject", name: "Reject", kind: "reject_once" },
];
const names = ["Reviewer", "reviewer", "@reviewer:aachat.test"];

/** The option id a reply picks, or undefined when it is no answer. */
const pick = (body: string, offered: PermissionOption[] = options) => answerFromText(body, offered, names)?.optionId;

describe("answerFromText: a reply to a permission request", () => {
  it("picks an option by its number as shown in the request", () => {
    expect(pick("1")).toBe("allow");
    expect(pick("2")).toBe("always");
    expect(pick("3")).toBe("reject");
  });

  it("picks nothing for a number the request did not offer", () => {
    expect(pick("4")).toBeUndefined();
    expect(pick("0")).toBeUndefined();
    expect(pick("12")).toBeUndefined();
  });

  it("picks an option by its name, in any case", () => {
    expect(pick("always allow")).toBe("always");
    expect(pick("REJECT")).toBe("reject");
  });

  it("takes a plain yes as allowing once, always as allowing always, no as rejecting", () => {
    expect(pick("yes")).toBe("allow");
    expect(pick("ok!")).toBe("allow");
    expect(pick("always")).toBe("always");
    expect(pick("no.")).toBe("reject");
    expect(pick("don't")).toBe("reject");
  });

  it("ignores a leading mention of the agent", () => {
    expect(pick("Reviewer: 2")).toBe("always");
    expect(pick("@reviewer yes")).toBe("allow");
    expect(pick("reviewer, no")).toBe("reject");
  });

  it("falls back to the lasting kind when the request offers no one-time option", () => {
    const lasting: PermissionOption[] = [
      { optionId: "always", name: "Always allow", kind: "allow_always" },
      { optionId: "never", name: "Never", kind: "reject_always" },
    ];
    expect(pick("yes", lasting)).toBe("always");
    expect(pick("no", lasting)).toBe("never");
  });

  it("takes a reply that is no answer as none, so the request stays open", () => {
    expect(pick("what does this tool do?")).toBeUndefined();
    expect(pick("yes, but only for src/")).toBeUndefined();
    expect(pick("")).toBeUndefined();
  });
});
