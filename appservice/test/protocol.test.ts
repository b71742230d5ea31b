import { describe, expect, it } from "vitest";
import { parseRuntimeFrame, parseServerFrame, type ServerFrame } from "../src/protocol/frames.ts";

const error = (text: string) => {
  const result = parseRuntimeFrame(text);
  if (result.ok) throw new Error(`expected ${text} to be rejected`);
  return result.error;
};

describe("parseRuntimeFrame", () => {
  it("parses an ack and a ping", () => {
    expect(parseRuntimeFrame(JSON.stringify({ v: 1, type: "ack", signalId: "sig_1", id: "a1" }))).toEqual({
      ok: true,
      frame: { v: 1, type: "ack", signalId: "sig_1", id: "a1" },
    });
    expect(parseRuntimeFrame(JSON.stringify({ v: 1, type: "ping" }))).toEqual({
      ok: true,
      frame: { v: 1, type: "ping" },
    });
  });

  it("rejects text that is not JSON, or JSON that is not an object", () => {
    expect(error("{nope")).toMatchObject({ code: "not_json", frameId: null });
    expect(error("[1,2]")).toMatchObject({ code: "invalid_frame" });
  });

  it("names an unknown type and lists the known ones", () => {
    const unknown = error(JSON.stringify({ v: 1, type: "hug", id: "h1" }));
    expect(unknown).toMatchObject({ code: "unknown_type", frameId: "h1" });
    expect(unknown.message).toContain('"hug"');
    expect(unknown.message).toContain("ack, ping");
    // A server frame sent the wrong way is unknown too.
    expect(error(JSON.stringify({ v: 1, type: "pong" })).code).toBe("unknown_type");
  });

  it("names a missing field", () => {
    const missing = error(JSON.stringify({ v: 1, type: "ack", id: "x" }));
    expect(missing).toMatchObject({ code: "invalid_frame", frameId: "x" });
    expect(missing.message).toContain("signalId");
  });

  it("rejects an extra field", () => {
    const extra = error(JSON.stringify({ v: 1, type: "ping", colour: "blue" }));
    expect(extra.code).toBe("invalid_frame");
    expect(extra.message).toContain("colour");
  });

  it("rejects another protocol version", () => {
    expect(error(JSON.stringify({ v: 2, type: "ping" }))).toMatchObject({ code: "unsupported_version" });
    expect(error(JSON.stringify({ type: "ping" })).message).toContain('"v": 1');
  });
});

describe("parseServerFrame", () => {
  it("parses every frame the server sends", () => {
    const frames: ServerFrame[] = [
      {
        v: 1,
        type: "hello",
        agent: { name: "reviewer", userId: "@agent_reviewer:localhost" },
        serverTime: new Date().toISOString(),
      },
      {
        v: 1,
        type: "signal",
        signal: {
          id: "sig_1",
          roomId: "!r:localhost",
          eventId: "$e",
          projectId: 3,
          team: "acme",
          project: "site",
          threadRootId: null,
          sender: "@alice:localhost",
          body: "reviewer: please look",
          createdAt: new Date().toISOString(),
        },
      },
      { v: 1, type: "error", code: "unknown_signal", message: "no such signal", frameId: null },
      { v: 1, type: "pong", id: "p1" },
    ];
    for (const frame of frames) expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
  });
});
