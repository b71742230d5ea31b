import { DomainError } from "../errors/DomainError.ts";
import type { Project, Team } from "../generated/prisma/client.ts";
import type { UserId } from "../matrix/ids.ts";
import { ownedAgent } from "./agents.ts";
import type { ModelContext } from "./ModelContext.ts";
import { createManagedRoom, desiredPowerLevelsFor, matrixToLink } from "./rooms.ts";
import { postNotice } from "./notices.ts";
import { requireRole } from "./roles.ts";
import { findStream } from "./streams.ts";
import { findTeam } from "./teams.ts";

export type ProjectWithAgents = Project & { agents: { agent: { name: string } }[] };

/** A project, with the names of its agents, and the team it belongs to. */
export interface TeamProject {
  team: Team;
  project: ProjectWithAgents;
}

const withAgents = { agents: { include: { agent: { select: { name: true } } } } } as const;

export async function listProjects(
  ctx: ModelContext,
  actor: string,
  slug: string,
): Promise<{ team: Team; projects: ProjectWithAgents[] }> {
  const { team } = await findTeam(ctx, actor, slug);
  const projects = await ctx.db.project.findMany({
    where: { teamId: team.id },
    include: withAgents,
    orderBy: { id: "asc" },
  });
  return { team, projects };
}

async function findProject(ctx: ModelContext, team: Team, name: string): Promise<ProjectWithAgents> {
  const project = await ctx.db.project.findUnique({
    where: { teamId_name: { teamId: team.id, name } },
    include: withAgents,
  });
  if (!project)
    throw new DomainError(
      "not_found",
      `team '${team.slug}' has no project '${name}'; see \`aachat project list --team ${team.slug}\``,
    );
  return project;
}

export async function getProject(ctx: ModelContext, actor: string, slug: string, name: string): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  return { team, project: await findProject(ctx, team, name) };
}

/**
 * A project room in the team space, with its creator invited. Seeded from a stream
 * message, it quotes that message and links back; the stream gets a link to the project.
 */
export async function createProject(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
  seed?: { stream: string; eventId: string },
): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  await requireRole(ctx, team.id, slug, actor, "member");
  const seedRoom = seed ? await findStream(ctx, team, seed.stream) : undefined;
  const seedEvent = seedRoom && seed ? await fetchSeedEvent(ctx, seedRoom.roomId, seed.eventId) : undefined;
  return ctx.locks.acquire(`room:${team.id}:${name}`, async () => {
    if (await ctx.db.project.findUnique({ where: { teamId_name: { teamId: team.id, name } } })) {
      throw new DomainError("conflict", `team '${slug}' already has a project '${name}'`);
    }
    const roomId = await createManagedRoom(ctx, {
      name,
      topic: seedEvent ? `Project seeded from ${matrixToLink(seedRoom!.roomId, seed!.eventId)}` : "Project",
      spaceRoomId: team.spaceRoomId,
      invite: [actor],
      powerLevels: await desiredPowerLevelsFor(ctx, { kind: "project", teamId: team.id, name }),
    });
    const project = await ctx.db.project.create({
      data: { teamId: team.id, name, roomId, seedRoomId: seedRoom?.roomId ?? null, seedEventId: seed?.eventId ?? null },
      include: withAgents,
    });
    ctx.rooms.invalidate();
    if (seedRoom && seedEvent !== undefined) {
      const seedLink = matrixToLink(seedRoom.roomId, seed!.eventId);
      await postNotice(
        ctx,
        roomId,
        `Seeded from a message in #${seedRoom.name} (${seedLink}):\n> ${seedEvent}`,
        `seed-quote:${roomId}`,
      );
      await postNotice(
        ctx,
        seedRoom.roomId,
        `${actor} started project '${name}' from this message: ${matrixToLink(roomId)}`,
        `seed-link:${roomId}`,
        { "m.relates_to": { "m.in_reply_to": { event_id: seed!.eventId } } },
      );
    }
    ctx.log.info({ team: slug, project: name, roomId }, "created project");
    ctx.events.changed("teams", { teamId: team.id });
    return { team, project };
  });
}

async function fetchSeedEvent(ctx: ModelContext, roomId: string, eventId: string): Promise<string> {
  try {
    const event = await ctx.matrix.request<{ content?: { body?: unknown } }>(
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`,
    );
    return typeof event.content?.body === "string" ? event.content.body : "";
  } catch {
    throw new DomainError("not_found", `no message ${eventId} in that stream`);
  }
}

export async function archiveProject(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  await requireRole(ctx, team.id, slug, actor, "admin");
  const project = await findProject(ctx, team, name);
  if (project.archivedAt) return { team, project };
  const updated = await ctx.db.project.update({
    where: { id: project.id },
    data: { archivedAt: new Date() },
    include: withAgents,
  });
  ctx.rooms.invalidate();
  await postNotice(ctx, project.roomId, `This project was archived by ${actor}.`, `archive:${project.roomId}`);
  ctx.events.changed("teams", { teamId: team.id });
  return { team, project: updated };
}

/** A team member joins a project: the bot invites them, their client accepts (or joins through the space). */
export async function joinProject(ctx: ModelContext, actor: string, slug: string, name: string): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  const project = await findProject(ctx, team, name);
  await ctx.matrix.invite(project.roomId, actor);
  return { team, project };
}

/** Adds an agent to a project: its puppet joins the room. Only the agent's owner, who must be in the team. */
export async function addAgentToProject(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
  agentName: string,
): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  const project = await findProject(ctx, team, name);
  const agent = await ownedAgent(ctx, actor, agentName);
  if (project.archivedAt) throw new DomainError("conflict", `project '${name}' is archived`);
  await ctx.db.projectAgent.upsert({
    where: { projectId_agentId: { projectId: project.id, agentId: agent.id } },
    create: { projectId: project.id, agentId: agent.id },
    update: {},
  });
  ctx.rooms.invalidate();
  await ctx.matrix.invite(project.roomId, agent.userId);
  await ctx.matrix.join(project.roomId, agent.userId as UserId);
  ctx.events.changed("teams", { teamId: team.id });
  ctx.events.changed("agents", { users: [actor] });
  return { team, project: await findProject(ctx, team, name) };
}

export async function removeAgentFromProject(
  ctx: ModelContext,
  actor: string,
  slug: string,
  name: string,
  agentName: string,
): Promise<TeamProject> {
  const { team } = await findTeam(ctx, actor, slug);
  const project = await findProject(ctx, team, name);
  const agent = await ownedAgent(ctx, actor, agentName);
  const removed = await ctx.db.projectAgent.deleteMany({ where: { projectId: project.id, agentId: agent.id } });
  ctx.rooms.invalidate();
  if (removed.count === 0) throw new DomainError("not_found", `agent '${agentName}' is not in project '${name}'`);
  await ctx.matrix
    .leave(project.roomId, agent.userId as UserId)
    .catch((error: unknown) => ctx.log.warn({ err: error }, "agent could not leave"));
  ctx.events.changed("teams", { teamId: team.id });
  ctx.events.changed("agents", { users: [actor] });
  return { team, project: await findProject(ctx, team, name) };
}
