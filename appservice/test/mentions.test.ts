import { describe, expect, it } from "vitest";
import { findMentions, isEdit, stripReplyFallback, threadRootOf } from "../src/signals/mentions.ts";

const reviewer = { userId: "@agent_reviewer:localhost", displayName: "Reviewer" };
const builder = { userId: "@agent_builder:localhost", displayName: "Build Bot" };
const candidates = [reviewer, builder];
const names = (content: Record<string, unknown>) => findMentions(content, candidates).map((c) => c.userId);

describe("findMentions", () => {
  it("takes intentional mentions", () => {
    expect(names({ body: "hi", "m.mentions": { user_ids: [builder.userId] } })).toEqual([builder.userId]);
  });
  it("finds a pill in the formatted body, encoded or not", () => {
    expect(names({ body: "x", formatted_body: `<a href="https://matrix.to/#/${reviewer.userId}">R</a>` })).toEqual([
      reviewer.userId,
    ]);
    expect(
      names({ body: "x", formatted_body: `<a href="https://matrix.to/#/${encodeURIComponent(builder.userId)}">B</a>` }),
    ).toEqual([builder.userId]);
  });
  it("finds a display name or user id as whole words, in any case", () => {
    expect(names({ body: "build bot, please" })).toEqual([builder.userId]);
    expect(names({ body: `ping ${reviewer.userId}` })).toEqual([reviewer.userId]);
    expect(names({ body: "@reviewer what now?" })).toEqual([reviewer.userId]);
  });
  it("ignores a display name inside another word", () => {
    expect(names({ body: "the reviewers agreed" })).toEqual([]);
    expect(names({ body: "prebuild bot" })).toEqual([]);
  });
  it("ignores mentions quoted in a reply fallback", () => {
    expect(names({ body: "> <@alice:localhost> Reviewer: look\n\nthanks!" })).toEqual([]);
  });
});

describe("message relations", () => {
  it("strips reply fallbacks", () => {
    expect(stripReplyFallback("> quoted\n> more\n\nreply")).toBe("reply");
    expect(stripReplyFallback("no quote")).toBe("no quote");
  });
  it("knows edits and threads", () => {
    expect(isEdit({ "m.relates_to": { rel_type: "m.replace", event_id: "$a" } })).toBe(true);
    expect(isEdit({ body: "x" })).toBe(false);
    expect(threadRootOf({ "m.relates_to": { rel_type: "m.thread", event_id: "$root" } })).toBe("$root");
    expect(threadRootOf({ "m.relates_to": { "m.in_reply_to": { event_id: "$a" } } })).toBeNull();
  });
});
