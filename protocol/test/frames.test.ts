import { describe, expect, it } from "vitest";
import { parseRuntimeFrame, parseServerFrame, type ServerFrame } from "../src/index.ts";

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
    expect(unknown.message).toContain("ack, ping, request, command_result, state");
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
        agent: {
          name: "reviewer",
          userId: "@agent_reviewer:localhost",
          displayName: "Reviewer",
          ownerUserId: "@alice:localhost",
          dmRoomId: "!dm:localhost",
        },
        serverTime: new Date().toISOString(),
      },
      {
        v: 1,
        type: "signal",
        signal: {
          id: "sig_1",
          kind: "mention",
          roomId: "!r:localhost",
          eventId: "$e",
          projectId: 3,
          team: "acme",
          project: "site",
          threadRootId: null,
          inReplyTo: null,
          reaction: null,
          sender: "@alice:localhost",
          senderCanControl: true,
          body: "reviewer: please look",
          createdAt: new Date().toISOString(),
        },
      },
      { v: 1, type: "error", code: "unknown_signal", message: "no such signal", frameId: null },
      { v: 1, type: "pong", id: "p1" },
      { v: 1, type: "response", id: "r1", ok: true, result: { eventId: "$x" } },
      { v: 1, type: "response", id: "r2", ok: false, error: { code: "forbidden", message: "not your room" } },
      { v: 1, type: "command", id: "c1", name: "session.stop", params: { sessionId: "s1" } },
    ];
    for (const frame of frames) expect(parseServerFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
  });
});

describe("requests, commands and state", () => {
  const request = (method: string, params: unknown) =>
    JSON.stringify({ v: 1, type: "request", id: "q1", method, params });

  it("checks a request's params against its method", () => {
    const ok = parseRuntimeFrame(request("message.send", { roomId: "!r:hs", body: "hi", key: "reply:sig_1" }));
    expect(ok).toMatchObject({ ok: true, frame: { method: "message.send", params: { body: "hi" } } });
    const bad = error(request("message.send", { roomId: "r", body: "", key: "k" }));
    expect(bad).toMatchObject({ code: "invalid_frame", frameId: "q1" });
    expect(bad.message).toContain("params.roomId: is not a Matrix room id");
    expect(bad.message).toContain("params.body: must not be empty");
    expect(error(request("room.delete", { roomId: "!r:hs" })).message).toContain("method");
  });

  it("rejects a command whose params do not fit its name", () => {
    const result = parseServerFrame(
      JSON.stringify({ v: 1, type: "command", id: "c1", name: "session.start", params: { projects: [] } }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain("params.projects");
  });

  it("parses a runtime's state and a command result", () => {
    const state = {
      version: "0.1.0",
      pid: 42,
      hostname: "laptop",
      startedAt: new Date().toISOString(),
      sessions: [
        {
          id: "s1",
          projects: [{ id: 1, team: "acme", name: "site", roomId: "!r:hs" }],
          status: "busy",
          agent: "claude-agent-acp",
          conversation: "new",
          startedAt: new Date().toISOString(),
          turn: {
            signalId: "sig_1",
            roomId: "!r:hs",
            project: "acme/site",
            sender: "@a:hs",
            startedAt: new Date().toISOString(),
          },
          queued: 0,
          error: null,
        },
      ],
    };
    expect(parseRuntimeFrame(JSON.stringify({ v: 1, type: "state", state }))).toEqual({
      ok: true,
      frame: { v: 1, type: "state", state },
    });
    expect(error(JSON.stringify({ v: 1, type: "state", state: { ...state, pid: "x" } })).message).toContain(
      "state.pid",
    );
    const result = {
      v: 1,
      type: "command_result",
      id: "c1",
      ok: false,
      error: { code: "not_found", message: "no session s9" },
    };
    expect(parseRuntimeFrame(JSON.stringify(result))).toEqual({ ok: true, frame: result });
  });
});
