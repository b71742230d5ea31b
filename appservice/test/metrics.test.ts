import type { RuntimeState, SessionState } from "@aachat/protocol";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.ts";
import { AllowList, cidrProblem, LOOPBACK_ONLY } from "../src/metrics/allowList.ts";
import { eventClass } from "../src/metrics/eventClass.ts";
import { TurnTracker } from "../src/metrics/TurnTracker.ts";

describe("who may read /metrics", () => {
  it("lets this machine in by default, over IPv4, IPv6 and IPv4 on an IPv6 socket", () => {
    const loopback = new AllowList(LOOPBACK_ONLY);
    expect(loopback.allows("127.0.0.1")).toBe(true);
    expect(loopback.allows("127.10.0.3")).toBe(true);
    expect(loopback.allows("::1")).toBe(true);
    expect(loopback.allows("::ffff:127.0.0.1")).toBe(true);
  });

  it("keeps everyone else out unless their range is listed", () => {
    const loopback = new AllowList(LOOPBACK_ONLY);
    expect(loopback.allows("192.168.1.20")).toBe(false);
    expect(loopback.allows("::ffff:10.0.0.5")).toBe(false);
    expect(loopback.allows("fe80::1")).toBe(false);
    expect(loopback.allows(undefined)).toBe(false);
    const prometheus = new AllowList(["10.0.0.0/8", "fd00::/8", "192.168.1.7"]);
    expect(prometheus.allows("10.1.2.3")).toBe(true);
    expect(prometheus.allows("::ffff:10.1.2.3")).toBe(true);
    expect(prometheus.allows("fd12::3")).toBe(true);
    expect(prometheus.allows("192.168.1.7")).toBe(true);
    expect(prometheus.allows("192.168.1.8")).toBe(false);
    expect(prometheus.allows("127.0.0.1")).toBe(false);
  });

  it("says what is wrong with an entry that is not an address or range", () => {
    expect(cidrProblem("10.0.0.0/8")).toBeNull();
    expect(cidrProblem("::1")).toBeNull();
    expect(cidrProblem("localhost")).toBe("must be an IP address or a CIDR range such as 10.0.0.0/8");
    expect(cidrProblem("10.0.0.0/33")).toBe("the prefix length must be 0 to 32");
    expect(cidrProblem("::/129")).toBe("the prefix length must be 0 to 128");
    expect(cidrProblem("10.0.0.0/x")).toBe("the prefix length must be 0 to 32");
  });

  it("is configured under metrics, loopback only unless the config says otherwise", () => {
    const base = {
      homeserver: { url: "http://localhost:8008", serverName: "localhost" },
      appservice: { url: "http://localhost:8090" },
    };
    expect(parseConfig(base, "/etc/aachat/aachat.yaml").metrics).toEqual({
      enabled: true,
      allow: ["127.0.0.0/8", "::1/128"],
    });
    expect(() => parseConfig({ ...base, metrics: { allow: ["prometheus.local"] } }, "/etc/aachat/aachat.yaml")).toThrow(
      /metrics\.allow\.0.*must be an IP address or a CIDR range/,
    );
  });
});

describe("the classes events are counted by", () => {
  it("names the common types and puts the rest in state or other", () => {
    expect(eventClass({ type: "m.room.message" })).toBe("message");
    expect(eventClass({ type: "m.reaction" })).toBe("reaction");
    expect(eventClass({ type: "m.room.member", state_key: "@a:x" })).toBe("member");
    expect(eventClass({ type: "m.room.topic", state_key: "" })).toBe("state");
    expect(eventClass({ type: "com.example.anything" })).toBe("other");
  });
});

const session = (id: string, signalId: string | null, status: SessionState["status"] = "busy"): SessionState => ({
  id,
  projects: [],
  status,
  agent: "scripted-agent",
  conversation: "new",
  startedAt: "2026-11-26T00:00:00.000Z",
  turn:
    signalId === null
      ? null
      : {
          signalId,
          roomId: "!room:x",
          project: null,
          sender: "@alice:x",
          startedAt: "2026-11-26T00:00:01.000Z",
        },
  queued: 0,
  error: null,
});
const state = (...sessions: SessionState[]): RuntimeState => ({
  version: "0.1.0",
  pid: 1,
  hostname: "host",
  startedAt: "2026-11-26T00:00:00.000Z",
  sessions,
});

describe("turns seen in the runtimes' state frames", () => {
  it("counts a turn started once however often it is reported, and finished when its session goes on", () => {
    const turns = new TurnTracker();
    expect(turns.update(1, state(session("s1", "sig-1")))).toEqual({ started: 1, finished: 0, failed: 0 });
    expect(turns.update(1, state(session("s1", "sig-1")))).toEqual({ started: 0, finished: 0, failed: 0 });
    expect(turns.update(1, state(session("s1", "sig-2")))).toEqual({ started: 1, finished: 1, failed: 0 });
    expect(turns.update(1, state(session("s1", null, "ready")))).toEqual({ started: 0, finished: 1, failed: 0 });
  });

  it("counts a turn failed when its session fails or goes, or the runtime goes offline", () => {
    const turns = new TurnTracker();
    turns.update(1, state(session("s1", "a"), session("s2", "b"), session("s3", "c")));
    turns.update(2, state(session("s9", "z")));
    expect(turns.update(1, state(session("s1", null, "failed"), session("s3", "c")))).toEqual({
      started: 0,
      finished: 0,
      failed: 2,
    });
    expect(turns.offline(1)).toEqual({ started: 0, finished: 0, failed: 1 });
    turns.update(1, state(session("s1", "d")));
    expect(turns.update(1, state(session("s1", null, "stopping")))).toEqual({ started: 0, finished: 0, failed: 1 });
    expect(turns.offline(1)).toEqual({ started: 0, finished: 0, failed: 0 });
    // Another agent's turns are its own.
    expect(turns.update(2, state(session("s9", null, "ready")))).toEqual({ started: 0, finished: 1, failed: 0 });
  });
});
