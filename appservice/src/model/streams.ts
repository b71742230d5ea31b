import { DomainError } from "../errors/DomainError.ts";
import type { Stream, Team } from "../generated/prisma/client.ts";
import type { ModelContext } from "./ModelContext.ts";
import { createManagedRoom, desiredPowerLevelsFor, syncPowerLevels, teamRoles } from "./rooms.ts";
import { postNotice } from "./notices.ts";
import { atLeast, requireRole } from "./roles.ts";
import { findTeam } from "./teams.ts";

/** Who may let agents post in a stream: by creating it so, or by switching humans_only off. */
const HUMANS_ONLY_OFF_ROLE = "admin";

/** A stream and the team it belongs to. */
export interface TeamStream {
  team: Team;
  stream: Stream;
}

export async function listStreams(
  ctx: ModelContext,
  actor: string,
  slug: string,
): Promise<{ team: Team; streams: Stream[] }> {
  const { team } = await findTeam(ctx, actor, slug);
  const streams = await ctx.db.stream.findMany({ where: { teamId: team.id }, orderBy: { id: "asc" } });
  return { team, streams };
}

export async function findStream(ctx: ModelContext, team: Team, name: string): Promise<Stream> {
  const stream = await ctx.db.stream.findUnique({ where: { teamId_name: { teamId: team.id, name } } });
  if (!stream)
    throw new DomainError(
      "not_found",
      `team '${team.slug}' has no stream '${name}'; see \`aachat stream list --team ${team.slug}\``,
    );
  return stream;
}

/**
 * A stream is a room in the team space; every team member is invited. humans_only unless
 * asked otherwise, and asking otherwise needs the same role as switching it off later.
 */
export async function createStream(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
  humansOnly = true,
): Promise<TeamStream> {
  const { team } = await findTeam(ctx, actor, slug);
  const role = await requireRole(ctx, team.id, slug, actor, "member");
  if (!humansOnly && !atLeast(role, HUMANS_ONLY_OFF_ROLE)) {
    throw new DomainError(
      "forbidden",
      `a stream with humans_only off needs the ${HUMANS_ONLY_OFF_ROLE} role in team '${slug}' (you are ${role}); create it humans-only or ask an ${HUMANS_ONLY_OFF_ROLE}`,
    );
  }
  return ctx.locks.acquire(`room:${team.id}:${name}`, async () => {
    if (await ctx.db.stream.findUnique({ where: { teamId_name: { teamId: team.id, name } } })) {
      throw new DomainError("conflict", `team '${slug}' already has a stream '${name}'`);
    }
    const roles = await teamRoles(ctx, team.id);
    const roomId = await createManagedRoom(ctx, {
      name,
      topic: humansOnly ? "Stream (humans only: agents can read but not post)" : "Stream",
      spaceRoomId: team.spaceRoomId,
      invite: [...roles.keys()].filter((userId) => userId !== ctx.botUserId),
      powerLevels: await desiredPowerLevelsFor(ctx, { kind: "stream", teamId: team.id, humansOnly, name }),
    });
    const stream = await ctx.db.stream.create({ data: { teamId: team.id, name, roomId, humansOnly } });
    ctx.log.info({ team: slug, stream: name, roomId, humansOnly }, "created stream");
    ctx.events.changed("teams", { teamId: team.id });
    return { team, stream };
  });
}

/** Switching humans_only is for team admins; the room's power levels follow at once. */
export async function setHumansOnly(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
  humansOnly: boolean,
): Promise<TeamStream> {
  const { team } = await findTeam(ctx, actor, slug);
  await requireRole(ctx, team.id, slug, actor, HUMANS_ONLY_OFF_ROLE);
  const stream = await findStream(ctx, team, name);
  const updated = await ctx.db.stream.update({ where: { id: stream.id }, data: { humansOnly } });
  await syncPowerLevels(ctx, stream.roomId, { kind: "stream", teamId: team.id, humansOnly, name });
  ctx.events.changed("teams", { teamId: team.id });
  return { team, stream: updated };
}

export async function archiveStream(ctx: ModelContext, actor: string, slug: string, name: string): Promise<TeamStream> {
  const { team } = await findTeam(ctx, actor, slug);
  await requireRole(ctx, team.id, slug, actor, "admin");
  const stream = await findStream(ctx, team, name);
  if (stream.archivedAt) return { team, stream };
  const updated = await ctx.db.stream.update({ where: { id: stream.id }, data: { archivedAt: new Date() } });
  await postNotice(ctx, stream.roomId, `This stream was archived by ${actor}.`, `archive:${stream.roomId}`);
  ctx.events.changed("teams", { teamId: team.id });
  return { team, stream: updated };
}
