import { describe, expect, it } from "vitest";
import { RoomState } from "../src/matrix/RoomState.ts";

const state = new RoomState([
  { type: "m.room.power_levels", state_key: "", content: { users: { "@bot:hs": 100 } } },
  { type: "m.room.member", state_key: "@bot:hs", content: { membership: "join" } },
  { type: "m.room.member", state_key: "@agent:hs", content: { membership: "invite" } },
  { type: "m.room.member", state_key: "@gone:hs", content: { membership: "leave" } },
  { type: "m.space.child", state_key: "!dm:hs", content: { via: ["hs"] } },
  { type: "m.space.child", state_key: "!removed:hs", content: {} },
]);

describe("RoomState", () => {
  it("answers each state event by type and state key, as a single read would", () => {
    expect(state.get("m.room.power_levels")).toEqual({ users: { "@bot:hs": 100 } });
    expect(state.get("m.space.child", "!dm:hs")).toEqual({ via: ["hs"] });
    expect(state.get("m.space.child", "!removed:hs")).toEqual({});
    expect(state.get("m.space.child", "!never:hs")).toBeUndefined();
    expect(state.get("m.room.topic")).toBeUndefined();
  });

  it("lists every member with their membership, as /members does", () => {
    expect(state.members()).toEqual(
      new Map([
        ["@bot:hs", "join"],
        ["@agent:hs", "invite"],
        ["@gone:hs", "leave"],
      ]),
    );
  });
});
