import type { Role } from "./roles.ts";
import type { RoomId } from "../matrix/ids.ts";
import { desiredPowerLevels, powerLevelsDiffer, type PowerLevels } from "../matrix/powerLevels.ts";
import type { RoomState } from "../matrix/RoomState.ts";
import type { ModelContext } from "./ModelContext.ts";

/** What a room is in the aachat model; decides its power levels. */
export type ManagedRoom =
  | { kind: "space"; teamId: number }
  | { kind: "stream"; teamId: number; humansOnly: boolean; name: string }
  | { kind: "project"; teamId: number; name: string }
  | { kind: "dm"; agentUserId: string; ownerUserId: string };

export async function findManagedRoom(ctx: ModelContext, roomId: string): Promise<ManagedRoom | undefined> {
  const team = await ctx.db.team.findUnique({ where: { spaceRoomId: roomId } });
  if (team) return { kind: "space", teamId: team.id };
  const stream = await ctx.db.stream.findUnique({ where: { roomId } });
  if (stream) return { kind: "stream", teamId: stream.teamId, humansOnly: stream.humansOnly, name: stream.name };
  const project = await ctx.db.project.findUnique({ where: { roomId } });
  if (project) return { kind: "project", teamId: project.teamId, name: project.name };
  const agent = await ctx.db.agent.findUnique({ where: { dmRoomId: roomId } });
  if (agent) return { kind: "dm", agentUserId: agent.userId, ownerUserId: agent.ownerUserId };
  return undefined;
}

export async function teamRoles(ctx: ModelContext, teamId: number): Promise<Map<string, Role>> {
  const members = await ctx.db.teamMember.findMany({ where: { teamId } });
  return new Map(members.map((member) => [member.userId, member.role as Role]));
}

/** The power levels the database says this room must have. */
export async function desiredPowerLevelsFor(ctx: ModelContext, room: ManagedRoom): Promise<PowerLevels> {
  if (room.kind === "dm") {
    return desiredPowerLevels({ botUserId: ctx.botUserId, roles: new Map([[room.ownerUserId, "admin"]]) });
  }
  const roles = await teamRoles(ctx, room.teamId);
  return desiredPowerLevels({ botUserId: ctx.botUserId, roles, humansOnly: room.kind === "stream" && room.humansOnly });
}

/** Puts the room's power levels back to what the database says, if they differ. Returns whether it changed them. */
export async function syncPowerLevels(
  ctx: ModelContext,
  roomId: string,
  room?: ManagedRoom,
  /** The room's state, when the caller has just read it whole. */
  state?: RoomState,
): Promise<boolean> {
  const managed = room ?? (await findManagedRoom(ctx, roomId));
  if (!managed) return false;
  const desired = await desiredPowerLevelsFor(ctx, managed);
  const actual = state
    ? state.get<Partial<PowerLevels>>("m.room.power_levels")
    : await ctx.matrix.getState<Partial<PowerLevels>>(roomId, "m.room.power_levels");
  if (!powerLevelsDiffer(actual, desired)) return false;
  await ctx.matrix.sendState(roomId, "m.room.power_levels", "", desired);
  return true;
}

/** Every room of a team (its space, streams and projects): their power levels follow the team's roles. */
export async function syncTeamPowerLevels(ctx: ModelContext, teamId: number): Promise<void> {
  const team = await ctx.db.team.findUniqueOrThrow({
    where: { id: teamId },
    include: { streams: true, projects: true },
  });
  await syncPowerLevels(ctx, team.spaceRoomId, { kind: "space", teamId });
  for (const stream of team.streams) {
    await syncPowerLevels(ctx, stream.roomId, {
      kind: "stream",
      teamId,
      humansOnly: stream.humansOnly,
      name: stream.name,
    });
  }
  for (const project of team.projects)
    await syncPowerLevels(ctx, project.roomId, { kind: "project", teamId, name: project.name });
}

export interface NewRoom {
  name: string;
  topic?: string;
  /** The team space the room belongs to; absent for a space itself. */
  spaceRoomId?: RoomId | string;
  isSpace?: boolean;
  invite: string[];
  powerLevels: PowerLevels;
  isDirect?: boolean;
  /** Leave listing the room in its space to the caller (linkInSpace), to answer sooner. */
  deferSpaceLink?: boolean;
}

/** Creates a room as the bot, inside its team space, joinable by the space's members. */
export async function createManagedRoom(ctx: ModelContext, room: NewRoom): Promise<RoomId> {
  const initialState: { type: string; state_key?: string; content: unknown }[] = [
    { type: "m.room.history_visibility", content: { history_visibility: "shared" } },
    { type: "m.room.guest_access", content: { guest_access: "forbidden" } },
  ];
  if (room.spaceRoomId) {
    initialState.push(
      { type: "m.space.parent", state_key: room.spaceRoomId, content: { via: [ctx.serverName], canonical: true } },
      {
        type: "m.room.join_rules",
        content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: room.spaceRoomId }] },
      },
    );
  }
  const roomId = await ctx.matrix.createRoom({
    name: room.name,
    ...(room.topic ? { topic: room.topic } : {}),
    preset: "private_chat",
    visibility: "private",
    ...(room.isSpace ? { creation_content: { type: "m.space" } } : {}),
    ...(room.isDirect ? { is_direct: true } : {}),
    power_level_content_override: room.powerLevels,
    initial_state: initialState,
    invite: room.invite,
  });
  if (room.spaceRoomId && !room.deferSpaceLink) await linkInSpace(ctx, room.spaceRoomId, roomId);
  return roomId;
}

/** Lists the room in the space (its m.space.parent is set when it is made). */
export async function linkInSpace(ctx: ModelContext, spaceRoomId: string, roomId: string): Promise<void> {
  await ctx.matrix.sendState(spaceRoomId, "m.space.child", roomId, { via: [ctx.serverName], suggested: true });
}

/** A link that opens the room in any Matrix client. */
export function matrixToLink(roomId: string, eventId?: string): string {
  return `https://matrix.to/#/${encodeURIComponent(roomId)}${eventId ? `/${encodeURIComponent(eventId)}` : ""}`;
}
