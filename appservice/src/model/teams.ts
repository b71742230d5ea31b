import { DomainError } from "../errors/DomainError.ts";
import type { Role } from "./roles.ts";
import type { Team } from "../generated/prisma/client.ts";
import { AGENT_LOCALPART_PREFIX, localpartOf } from "../matrix/ids.ts";
import { MatrixApiError } from "../matrix/MatrixApi.ts";
import { desiredPowerLevels } from "../matrix/powerLevels.ts";
import type { ModelContext } from "./ModelContext.ts";
import { createManagedRoom, syncTeamPowerLevels } from "./rooms.ts";
import { requireRole, roleOf } from "./roles.ts";

export function personalSlug(userId: string): string {
  return `~${localpartOf(userId)}`;
}

/** A team and the role a user has in it. */
export interface TeamWithRole {
  team: Team;
  role: Role;
}

/** The personal team `~username`: made the first time aachat meets a human. */
export async function ensurePersonalTeam(ctx: ModelContext, userId: string): Promise<Team> {
  const slug = personalSlug(userId);
  return ctx.locks.acquire(`team:${slug}`, async () => {
    const existing = await ctx.db.team.findUnique({ where: { slug } });
    if (existing) return existing;
    const spaceRoomId = await createManagedRoom(ctx, {
      name: `${localpartOf(userId)} (personal)`,
      topic: "Your personal aachat team: your agents' DMs and your own projects.",
      isSpace: true,
      invite: [userId],
      powerLevels: desiredPowerLevels({
        botUserId: ctx.botUserId,
        roles: new Map([[userId, "owner"]]),
      }),
    });
    const team = await ctx.db.team.create({
      data: {
        slug,
        name: `${localpartOf(userId)}'s team`,
        kind: "personal",
        spaceRoomId,
        members: { create: { userId, role: "owner" } },
      },
    });
    ctx.log.info({ team: slug, userId }, "created personal team");
    return team;
  });
}

/** A team the actor belongs to, by slug; `not_found` names it when it doesn't exist or isn't theirs. */
export async function findTeam(ctx: ModelContext, actor: string, slug: string): Promise<TeamWithRole> {
  const team = await ctx.db.team.findUnique({ where: { slug } });
  const role = team ? await roleOf(ctx, team.id, actor) : undefined;
  if (!team || !role)
    throw new DomainError("not_found", `no team '${slug}' that you belong to; see \`aachat team list\``);
  return { team, role };
}

export async function listTeams(ctx: ModelContext, actor: string): Promise<TeamWithRole[]> {
  const memberships = await ctx.db.teamMember.findMany({
    where: { userId: actor },
    include: { team: true },
    orderBy: { teamId: "asc" },
  });
  return memberships.map((m) => ({ team: m.team, role: m.role as Role }));
}

export async function createTeam(ctx: ModelContext, actor: string, slug: string, name?: string): Promise<TeamWithRole> {
  return ctx.locks.acquire<TeamWithRole>(`team:${slug}`, async () => {
    if (await ctx.db.team.findUnique({ where: { slug } })) {
      throw new DomainError("conflict", `a team named '${slug}' already exists; choose another slug`);
    }
    const spaceRoomId = await createManagedRoom(ctx, {
      name: name ?? slug,
      isSpace: true,
      invite: [actor],
      powerLevels: desiredPowerLevels({
        botUserId: ctx.botUserId,
        roles: new Map([[actor, "owner"]]),
      }),
    });
    const team = await ctx.db.team.create({
      data: {
        slug,
        name: name ?? slug,
        kind: "organisation",
        spaceRoomId,
        members: { create: { userId: actor, role: "owner" } },
      },
    });
    ctx.log.info({ team: slug, actor }, "created team");
    ctx.events.changed("teams", { teamId: team.id });
    return { team, role: "owner" };
  });
}

export async function renameTeam(ctx: ModelContext, actor: string, slug: string, name: string): Promise<TeamWithRole> {
  const { team } = await findTeam(ctx, actor, slug);
  const role = await requireRole(ctx, team.id, slug, actor, "admin");
  await ctx.matrix.sendState(team.spaceRoomId, "m.room.name", "", { name });
  const renamed = await ctx.db.team.update({ where: { id: team.id }, data: { name } });
  ctx.events.changed("teams", { teamId: team.id });
  return { team: renamed, role };
}

export async function deleteTeam(ctx: ModelContext, actor: string, slug: string, confirm: string): Promise<void> {
  const { team } = await findTeam(ctx, actor, slug);
  await requireRole(ctx, team.id, slug, actor, "owner");
  if (team.kind === "personal") throw new DomainError("forbidden", "a personal team can't be deleted");
  if (confirm !== slug) throw new DomainError("invalid", `confirm by repeating the team's slug: '${slug}'`);
  await ctx.locks.acquire(`team:${slug}`, async () => {
    const rooms = await ctx.db.team.findUniqueOrThrow({
      where: { id: team.id },
      include: { streams: true, projects: true, members: true },
    });
    const roomIds = [...rooms.streams.map((s) => s.roomId), ...rooms.projects.map((p) => p.roomId), team.spaceRoomId];
    // The database goes first: if emptying the rooms fails half-way, the team is still gone
    // from aachat and the rooms are only left-over Matrix rooms without members to manage.
    await ctx.db.team.delete({ where: { id: team.id } });
    ctx.rooms.invalidate();
    for (const roomId of roomIds) await emptyRoom(ctx, roomId, `team '${slug}' was deleted`);
    ctx.log.info({ team: slug, actor }, "deleted team");
    ctx.events.changed("teams", { users: rooms.members.map((m) => m.userId) });
  });
}

/** Adds a member or changes their role. Only an owner may make or unmake owners. */
export async function setMember(
  ctx: ModelContext,
  actor: string,
  slug: string,
  userId: string,
  role: Role,
): Promise<{ userId: string; role: Role }> {
  const { team } = await findTeam(ctx, actor, slug);
  const actorRole = await requireRole(ctx, team.id, slug, actor, "admin");
  if (team.kind === "personal") {
    throw new DomainError(
      "forbidden",
      "a personal team has only its owner; create an organisation team with `aachat team create`",
    );
  }
  if (localpartOf(userId).startsWith(AGENT_LOCALPART_PREFIX)) {
    throw new DomainError(
      "invalid",
      "agents are not team members: add them to a project with `aachat project add-agent`",
    );
  }
  const current = await roleOf(ctx, team.id, userId);
  if ((role === "owner" || current === "owner") && actorRole !== "owner") {
    throw new DomainError("forbidden", "only an owner can make or unmake owners");
  }
  if (current === "owner" && role !== "owner") await requireAnotherOwner(ctx, team.id, slug, userId);
  if (!current) await requireExistingUser(ctx, userId);
  await ctx.locks.acquire(`team:${slug}`, async () => {
    await ctx.db.teamMember.upsert({
      where: { teamId_userId: { teamId: team.id, userId } },
      create: { teamId: team.id, userId, role },
      update: { role },
    });
    if (!current) await ctx.matrix.invite(team.spaceRoomId, userId);
    await syncTeamPowerLevels(ctx, team.id);
  });
  ctx.events.changed("teams", { teamId: team.id });
  return { userId, role };
}

export async function removeMember(ctx: ModelContext, actor: string, slug: string, userId: string): Promise<void> {
  const { team } = await findTeam(ctx, actor, slug);
  const current = await roleOf(ctx, team.id, userId);
  if (!current) throw new DomainError("not_found", `${userId} is not a member of team '${slug}'`);
  if (userId !== actor) {
    const actorRole = await requireRole(ctx, team.id, slug, actor, "admin");
    if (current === "owner" && actorRole !== "owner")
      throw new DomainError("forbidden", "only an owner can remove an owner");
  }
  if (current === "owner") await requireAnotherOwner(ctx, team.id, slug, userId);
  await ctx.locks.acquire(`team:${slug}`, async () => {
    await ctx.db.teamMember.delete({ where: { teamId_userId: { teamId: team.id, userId } } });
    const rooms = await ctx.db.team.findUniqueOrThrow({
      where: { id: team.id },
      include: { streams: true, projects: true },
    });
    for (const roomId of [
      ...rooms.streams.map((s) => s.roomId),
      ...rooms.projects.map((p) => p.roomId),
      team.spaceRoomId,
    ]) {
      await ctx.matrix.kick(roomId, userId, `removed from team '${slug}'`);
    }
    await syncTeamPowerLevels(ctx, team.id);
  });
  ctx.events.changed("teams", { teamId: team.id, users: [userId] });
}

async function requireAnotherOwner(ctx: ModelContext, teamId: number, slug: string, userId: string): Promise<void> {
  const owners = await ctx.db.teamMember.count({ where: { teamId, role: "owner", NOT: { userId } } });
  if (owners === 0)
    throw new DomainError("conflict", `team '${slug}' needs at least one owner; make someone else owner first`);
}

async function requireExistingUser(ctx: ModelContext, userId: string): Promise<void> {
  try {
    await ctx.matrix.request("GET", `/_matrix/client/v3/profile/${encodeURIComponent(userId)}`);
  } catch (error) {
    if (error instanceof MatrixApiError && (error.status === 404 || error.errcode === "M_NOT_FOUND")) {
      throw new DomainError("not_found", `there is no user ${userId} on the homeserver`);
    }
    throw error;
  }
}

/** Removes everyone from a room and leaves it (for deleted teams and agents). */
export async function emptyRoom(ctx: ModelContext, roomId: string, reason: string): Promise<void> {
  try {
    const members = await ctx.matrix.members(roomId);
    for (const [userId, membership] of members) {
      if (userId !== ctx.botUserId && (membership === "join" || membership === "invite"))
        await ctx.matrix.kick(roomId, userId, reason);
    }
    await ctx.matrix.leave(roomId);
  } catch (error) {
    ctx.log.warn({ err: error, roomId }, "could not empty room");
  }
}
