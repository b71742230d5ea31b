import { describe, expect, it } from "vitest";
import { canSpeak, desiredPowerLevels, powerLevelsDiffer } from "../src/matrix/powerLevels.ts";

const bot = "@aachat:localhost";
const agent = "@agent_x:localhost";
const roles = new Map([
  ["@owner:localhost", "owner" as const],
  ["@admin:localhost", "admin" as const],
  ["@member:localhost", "member" as const],
]);

describe("desired power levels", () => {
  it("mirror team roles and leave the creating bot out (room version 12 gives it unlimited power)", () => {
    const levels = desiredPowerLevels({ botUserId: bot, roles: new Map([...roles, [bot, "owner"]]) });
    expect(levels.users).toEqual({ "@owner:localhost": 100, "@admin:localhost": 50 });
    expect(levels.users_default).toBe(0);
    expect(levels.events["m.room.power_levels"]).toBe(100);
  });

  it("let everyone speak in a stream that is not humans_only, agents included", () => {
    const levels = desiredPowerLevels({ botUserId: bot, roles, humansOnly: false });
    expect(levels.users_default).toBe(0);
    expect(canSpeak(levels, agent)).toBe(true);
    expect(canSpeak(levels, "@member:localhost")).toBe(true);
  });

  it("in a humans_only stream, list the team's humans at their role and mute everyone else below events_default", () => {
    const levels = desiredPowerLevels({ botUserId: bot, roles: new Map([...roles, [bot, "owner"]]), humansOnly: true });
    expect(levels.users).toEqual({ "@owner:localhost": 100, "@admin:localhost": 50, "@member:localhost": 0 });
    expect(levels.users_default).toBe(-1);
    expect(levels.events_default).toBe(0);
    expect(canSpeak(levels, agent)).toBe(false);
    expect(canSpeak(levels, "@agent_registered_later:localhost")).toBe(false);
    expect(canSpeak(levels, "@guest:localhost")).toBe(false);
    expect(canSpeak(levels, "@member:localhost")).toBe(true);
    expect(canSpeak(levels, "@admin:localhost")).toBe(true);
  });

  it("notice any change to what aachat manages, and nothing else", () => {
    const desired = desiredPowerLevels({ botUserId: bot, roles, humansOnly: true });
    expect(powerLevelsDiffer(structuredClone(desired), desired)).toBe(false);
    expect(powerLevelsDiffer({ ...desired, users: { ...desired.users, [agent]: 0 } }, desired)).toBe(true);
    expect(powerLevelsDiffer({ ...desired, users_default: 0 }, desired)).toBe(true);
    expect(powerLevelsDiffer({ ...desired, events_default: 50 }, desired)).toBe(true);
    expect(powerLevelsDiffer(undefined, desired)).toBe(true);
  });

  it("see a stream in the old form (every agent listed at -1) as one to rewrite", () => {
    const desired = desiredPowerLevels({ botUserId: bot, roles, humansOnly: true });
    const old = {
      ...desired,
      users_default: 0,
      users: { "@owner:localhost": 100, "@admin:localhost": 50, [agent]: -1 },
    };
    expect(powerLevelsDiffer(old, desired)).toBe(true);
  });
});
