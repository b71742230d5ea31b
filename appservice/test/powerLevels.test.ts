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
    const levels = desiredPowerLevels({ botUserId: bot, roles, mutedAgents: [] });
    expect(levels.users).toEqual({ "@owner:localhost": 100, "@admin:localhost": 50 });
    expect(levels.events["m.room.power_levels"]).toBe(100);
  });

  it("mute agents below events_default in humans_only rooms, so they can neither post nor react", () => {
    const levels = desiredPowerLevels({ botUserId: bot, roles, mutedAgents: [agent] });
    expect(levels.users[agent]).toBe(-1);
    expect(levels.events_default).toBe(0);
    expect(canSpeak(levels, agent)).toBe(false);
    expect(canSpeak(levels, "@member:localhost")).toBe(true);
  });

  it("notice any change to what aachat manages, and nothing else", () => {
    const desired = desiredPowerLevels({ botUserId: bot, roles, mutedAgents: [agent] });
    expect(powerLevelsDiffer(structuredClone(desired), desired)).toBe(false);
    expect(powerLevelsDiffer({ ...desired, users: { ...desired.users, [agent]: 0 } }, desired)).toBe(true);
    expect(powerLevelsDiffer({ ...desired, events_default: 50 }, desired)).toBe(true);
    expect(powerLevelsDiffer(undefined, desired)).toBe(true);
  });
});
