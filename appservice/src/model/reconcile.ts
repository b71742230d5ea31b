import { runLanes } from "../inbox/roomLanes.ts";
import type { UserId } from "../matrix/ids.ts";
import type { RoomState } from "../matrix/RoomState.ts";
import { mayHaveTakenEffect } from "../matrix/MatrixApi.ts";
import type { ModelContext } from "./ModelContext.ts";
import { createManagedRoom, desiredPowerLevelsFor, linkInSpace, syncPowerLevels, type ManagedRoom } from "./rooms.ts";
import { personalSlug } from "./teams.ts";

const RECONCILE_CONCURRENCY = 4;

export interface ReconcileReport {
  rooms: number;
  recreated: number;
  invited: number;
  joined: number;
  powerLevelsFixed: number;
  /** Agents' DMs listed again in their owner's personal space. */
  linked: number;
  /** Agents the homeserver would not let into a room (e.g. their user was deactivated there): logged, left as they are. */
  failed: number;
}

/**
 * Makes the homeserver match the database after a start (or a crash): rooms the bot is
 * no longer in are rejoined or recreated, team members are in their team's space, agents
 * are in their projects and DMs, and every room has the power levels the model says.
 */
export async function reconcile(ctx: ModelContext): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    rooms: 0,
    recreated: 0,
    invited: 0,
    joined: 0,
    powerLevelsFixed: 0,
    linked: 0,
    failed: 0,
  };
  const botRooms = await ctx.matrix.joinedRooms();

  const ensureRoom = async (roomId: string, recreate: () => Promise<string>): Promise<string> => {
    report.rooms++;
    if (botRooms.has(roomId)) return roomId;
    try {
      await ctx.matrix.join(roomId);
      return roomId;
    } catch (error) {
      ctx.log.warn({ err: error, roomId }, "bot cannot rejoin a room it manages; recreating it");
      report.recreated++;
      return recreate();
    }
  };

  for (const team of await ctx.db.team.findMany({
    include: { members: true, streams: true, projects: { include: { agents: { include: { agent: true } } } } },
  })) {
    const members = team.members.map((m) => m.userId);
    const spaceRoomId = await ensureRoom(team.spaceRoomId, async () => {
      const roomId = await createManagedRoom(ctx, {
        name: team.name,
        isSpace: true,
        invite: members,
        powerLevels: await desiredPowerLevelsFor(ctx, { kind: "space", teamId: team.id }),
      });
      await ctx.db.team.update({ where: { id: team.id }, data: { spaceRoomId: roomId } });
      return roomId;
    });
    await inviteMissing(ctx, spaceRoomId, members, report);
    if (await syncPowerLevels(ctx, spaceRoomId, { kind: "space", teamId: team.id })) report.powerLevelsFixed++;

    for (const stream of team.streams) {
      const room: ManagedRoom = { kind: "stream", teamId: team.id, humansOnly: stream.humansOnly, name: stream.name };
      const roomId = await ensureRoom(stream.roomId, async () => {
        const created = await createManagedRoom(ctx, {
          name: stream.name,
          spaceRoomId,
          invite: members,
          powerLevels: await desiredPowerLevelsFor(ctx, room),
        });
        await ctx.db.stream.update({ where: { id: stream.id }, data: { roomId: created } });
        return created;
      });
      // Also migrates a stream made before users_default -1, which listed every agent at -1.
      if (await syncPowerLevels(ctx, roomId, room)) report.powerLevelsFixed++;
    }

    for (const project of team.projects) {
      const room: ManagedRoom = { kind: "project", teamId: team.id, name: project.name };
      const roomId = await ensureRoom(project.roomId, async () => {
        const created = await createManagedRoom(ctx, {
          name: project.name,
          spaceRoomId,
          invite: members,
          powerLevels: await desiredPowerLevelsFor(ctx, room),
        });
        await ctx.db.project.update({ where: { id: project.id }, data: { roomId: created } });
        ctx.rooms.invalidate();
        return created;
      });
      if (await syncPowerLevels(ctx, roomId, room)) report.powerLevelsFixed++;
      await joinAgents(
        ctx,
        roomId,
        project.agents.map((m) => m.agent.userId as UserId),
        report,
      );
    }
  }

  const personalSpaces = new Map(
    (await ctx.db.team.findMany({ where: { kind: "personal" }, select: { slug: true, spaceRoomId: true } })).map(
      (team) => [team.slug, team.spaceRoomId],
    ),
  );
  // Each owner's personal space is read whole once, not once per agent.
  const spaceStates = new Map<string, Promise<RoomState>>();
  const spaceState = (spaceRoomId: string): Promise<RoomState> => {
    let state = spaceStates.get(spaceRoomId);
    if (!state) spaceStates.set(spaceRoomId, (state = ctx.matrix.roomState(spaceRoomId)));
    return state;
  };
  // Each agent's DM is its own: four at a time, so a start with thousands of agents is not
  // thousands of round trips one after another. An agent found as it should be costs two
  // requests: its profile and its DM's state.
  const agents = await ctx.db.agent.findMany();
  await runLanes(
    agents.map((agent) => [agent]),
    RECONCILE_CONCURRENCY,
    async (agent) => {
      // An agent registered while this runs has its DM finished by its follow-up: wait for
      // it rather than join and link beside it. The registration's lock is held until the
      // follow-up is started, so it is known here even for a row read just after it was made.
      await ctx.locks.acquire(`agent:${agent.name}`, () => ctx.agentFollowUps.settled(agent.id));
      try {
        await ctx.puppets.ensure(agent.userId as UserId, agent.displayName);
        const spaceRoomId = personalSpaces.get(personalSlug(agent.ownerUserId));
        if (spaceRoomId) await linkMissing(ctx, spaceRoomId, await spaceState(spaceRoomId), agent.dmRoomId, report);
        report.rooms++;
        if (!botRooms.has(agent.dmRoomId))
          await ctx.matrix
            .join(agent.dmRoomId)
            .catch((error: unknown) =>
              ctx.log.warn({ err: error, agent: agent.name }, "bot cannot rejoin an agent's DM"),
            );
        const dm = await ctx.matrix.roomState(agent.dmRoomId);
        await joinAgents(ctx, agent.dmRoomId, [agent.userId as UserId], report, dm.members());
        const room: ManagedRoom = { kind: "dm", agentUserId: agent.userId, ownerUserId: agent.ownerUserId };
        if (await syncPowerLevels(ctx, agent.dmRoomId, room, dm)) report.powerLevelsFixed++;
      } catch (error) {
        // One agent the homeserver refuses must not keep the server, and every other agent,
        // down; a homeserver that does not answer still fails the start.
        if (!refused(error)) throw error;
        report.failed++;
        ctx.log.warn({ err: error, agent: agent.name }, "could not repair the agent's DM; left as it is");
      }
    },
  );
  return report;
}

/** Lists the room in the space unless it is (a removed child keeps an empty m.space.child). */
async function linkMissing(
  ctx: ModelContext,
  spaceRoomId: string,
  space: RoomState,
  roomId: string,
  report: ReconcileReport,
) {
  if (Array.isArray(space.get<{ via?: unknown }>("m.space.child", roomId)?.via)) return;
  await linkInSpace(ctx, spaceRoomId, roomId);
  report.linked++;
}

async function inviteMissing(
  ctx: ModelContext,
  roomId: string,
  userIds: string[],
  report: ReconcileReport,
): Promise<void> {
  const members = await ctx.matrix.members(roomId);
  for (const userId of userIds) {
    const membership = members.get(userId);
    if (membership !== "join" && membership !== "invite") {
      await ctx.matrix.invite(roomId, userId);
      report.invited++;
    }
  }
}

async function joinAgents(
  ctx: ModelContext,
  roomId: string,
  agentUserIds: UserId[],
  report: ReconcileReport,
  /** The room's members, when the caller has just read them. */
  known?: Map<string, string>,
): Promise<void> {
  if (agentUserIds.length === 0) return;
  const members = known ?? (await ctx.matrix.members(roomId));
  for (const agentUserId of agentUserIds) {
    if (members.get(agentUserId) === "join") continue;
    try {
      await ctx.matrix.invite(roomId, agentUserId);
      await ctx.matrix.join(roomId, agentUserId);
      report.joined++;
    } catch (error) {
      if (!refused(error)) throw error;
      report.failed++;
      ctx.log.warn({ err: error, agent: agentUserId, roomId }, "could not bring an agent back into its room");
    }
  }
}

/** The homeserver answered and said no (a 4xx): about that one user or room, not the homeserver. */
function refused(error: unknown): boolean {
  return !mayHaveTakenEffect(error);
}
