import type { Role } from "../model/roles.ts";

/**
 * Team roles as Matrix power levels. The bot creates every room, and in room version 12
 * a room's creator has unlimited power and must not be listed in `users`: nobody can
 * take the rooms away from it.
 */
export const ROLE_LEVEL: Record<Role, number> = { owner: 100, admin: 50, member: 0 };
/**
 * users_default in a humans_only room: below events_default (0), so the homeserver itself
 * refuses every message, reaction, redaction and state event from anyone the room does not
 * list, which is every agent (and any agent registered later), whoever sends it.
 */
export const MUTED_LEVEL = -1;

export interface PowerLevels {
  users: Record<string, number>;
  users_default: number;
  events_default: number;
  state_default: number;
  ban: number;
  kick: number;
  redact: number;
  invite: number;
  events: Record<string, number>;
  notifications: Record<string, number>;
}

export interface PowerLevelInput {
  botUserId: string;
  roles: ReadonlyMap<string, Role>;
  /**
   * Only the listed humans (the team's members) may speak: everyone else, agents included,
   * falls to users_default and is muted. The room's state then names only its own team.
   */
  humansOnly?: boolean;
}

/** The power levels aachat wants in a room, derived only from its database. */
export function desiredPowerLevels(input: PowerLevelInput): PowerLevels {
  const humansOnly = input.humansOnly === true;
  const users: Record<string, number> = {};
  for (const [userId, role] of input.roles) {
    // Members sit at users_default (0) unless the room mutes everyone it does not list.
    if ((humansOnly || ROLE_LEVEL[role] !== 0) && userId !== input.botUserId) users[userId] = ROLE_LEVEL[role];
  }
  return {
    users,
    users_default: humansOnly ? MUTED_LEVEL : 0,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    events: {
      "m.room.power_levels": 100,
      "m.room.history_visibility": 100,
      "m.room.join_rules": 100,
      "m.room.encryption": 100,
      "m.room.tombstone": 100,
      "m.room.server_acl": 100,
      "m.room.name": 50,
      "m.room.topic": 50,
      "m.room.avatar": 50,
      "m.room.canonical_alias": 50,
      "m.space.child": 100,
      "m.space.parent": 100,
    },
    notifications: { room: 50 },
  };
}

/** True when the room's power levels differ from the desired ones in anything aachat manages. */
export function powerLevelsDiffer(actual: Partial<PowerLevels> | undefined, desired: PowerLevels): boolean {
  if (!actual) return true;
  if (!sameNumbers(actual.users ?? {}, desired.users)) return true;
  if (!sameNumbers(actual.events ?? {}, desired.events)) return true;
  const scalar = ["users_default", "events_default", "state_default", "ban", "kick", "redact", "invite"] as const;
  return scalar.some((key) => (actual[key] ?? defaultOf(key)) !== desired[key]);
}

/** Users whose level would let them send messages in a room with these power levels. */
export function canSpeak(levels: Partial<PowerLevels>, userId: string): boolean {
  const level = levels.users?.[userId] ?? levels.users_default ?? 0;
  const needed = levels.events?.["m.room.message"] ?? levels.events_default ?? 0;
  return level >= needed;
}

function sameNumbers(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** The Matrix spec's defaults for keys missing from m.room.power_levels. */
function defaultOf(
  key: "users_default" | "events_default" | "state_default" | "ban" | "kick" | "redact" | "invite",
): number {
  return key === "users_default" || key === "events_default" || key === "invite" ? 0 : 50;
}
