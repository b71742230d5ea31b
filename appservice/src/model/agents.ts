import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../errors/DomainError.ts";
import type { Agent, Signal } from "../generated/prisma/client.ts";
import { AGENT_LOCALPART_PREFIX, userId as toUserId, type UserId } from "../matrix/ids.ts";
import type { ModelContext } from "./ModelContext.ts";
import { createManagedRoom, desiredPowerLevelsFor, linkInSpace } from "./rooms.ts";
import { StepTimes } from "./StepTimes.ts";
import { ensurePersonalTeam } from "./teams.ts";

const TOKEN_PREFIX = "aart_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newRuntimeToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

const withProjects = { projects: { include: { project: { include: { team: { select: { slug: true } } } } } } } as const;
export type AgentWithProjects = Agent & { projects: { project: { name: string; team: { slug: string } } }[] };

/** A signal of an agent, with the project (and its team) it came from, if any. */
export interface AgentSignal {
  signal: Signal;
  project: { name: string; team: { slug: string } } | undefined;
}

/**
 * Registers an agent: its puppet user with its display name, its DM room with its owner
 * in the owner's personal team, and a runtime token returned once (only its hash is kept).
 * It answers once the agent's user, profile, DM room (its owner invited) and row exist;
 * the puppet's join of the DM and the DM's listing in the personal space follow at once
 * (see AgentFollowUps), and the agent's own messages there wait for them.
 */
export async function registerAgent(
  ctx: ModelContext,
  owner: string,
  input: { name: string; displayName?: string; repoUrl?: string; avatarUrl?: string },
): Promise<{ agent: AgentWithProjects; runtimeToken: string }> {
  return ctx.locks.acquire(`agent:${input.name}`, async () => {
    const steps = new StepTimes();
    const [existing, deleted] = await steps.time("checks", () =>
      Promise.all([
        ctx.db.agent.findUnique({ where: { name: input.name }, select: { id: true } }),
        ctx.db.deletedAgentName.findUnique({ where: { name: input.name }, select: { name: true } }),
      ]),
    );
    if (existing)
      throw new DomainError("conflict", `an agent named '${input.name}' already exists; choose another name`);
    // The deleted agent's Matrix user still exists, deactivated, with its messages.
    if (deleted)
      throw new DomainError("conflict", `the name ${input.name} belonged to a deleted agent; choose another name`);
    const puppet = toUserId(`${AGENT_LOCALPART_PREFIX}${input.name}`, ctx.serverName);
    const displayName = input.displayName ?? input.name;
    const [, personal] = await Promise.all([
      steps.time("register", () => ctx.puppets.register(puppet)),
      ensurePersonalTeam(ctx, owner),
    ]);
    const powerLevels = await desiredPowerLevelsFor(ctx, { kind: "dm", agentUserId: puppet, ownerUserId: owner });
    // The profile is set before the puppet joins, so its join shows its name.
    const [dmRoomId] = await Promise.all([
      steps.time("createRoom", () =>
        createManagedRoom(ctx, {
          // Named after the agent: the bot is a member too, so clients would call it "Agent and aachat".
          name: displayName,
          topic: `Direct messages with ${displayName}`,
          spaceRoomId: personal.spaceRoomId,
          invite: [owner, puppet],
          isDirect: true,
          powerLevels,
          deferSpaceLink: true,
        }),
      ),
      steps.time("profile", () => ctx.puppets.setProfile(puppet, displayName, input.avatarUrl)),
    ]);
    const { token, hash } = newRuntimeToken();
    const agent = await steps.time("row", () =>
      ctx.db.agent.create({
        data: {
          name: input.name,
          userId: puppet,
          ownerUserId: owner,
          displayName,
          repoUrl: input.repoUrl ?? null,
          avatarUrl: input.avatarUrl ?? null,
          dmRoomId,
          tokenHash: hash,
          tokenIssuedAt: new Date(),
        },
        include: withProjects,
      }),
    );
    ctx.agentFollowUps.start(agent.id, () => finishDm(ctx, input.name, puppet, dmRoomId, personal.spaceRoomId));
    // No stream's power levels change: a humans_only stream mutes everyone it does not list.
    ctx.rooms.invalidate();
    ctx.log.info({ agent: input.name, owner, ms: steps.total(), steps: steps.ms }, "registered agent");
    ctx.events.changed("agents", { users: [owner] });
    return { agent, runtimeToken: token };
  });
}

/** The puppet joins its DM and the DM is listed in the personal space; a failure is logged, and reconcile redoes it. */
async function finishDm(
  ctx: ModelContext,
  name: string,
  puppet: UserId,
  dmRoomId: string,
  spaceRoomId: string,
): Promise<void> {
  const steps = new StepTimes();
  const results = await Promise.allSettled([
    steps.time("join", () => ctx.matrix.join(dmRoomId, puppet)),
    steps.time("spaceLink", () => linkInSpace(ctx, spaceRoomId, dmRoomId)),
  ]);
  const failed = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  if (failed.length > 0) {
    ctx.log.warn(
      { agent: name, err: failed[0], dmRoomId },
      "could not finish the agent's DM (its join or its place in the personal space); the next start's reconcile will",
    );
    return;
  }
  ctx.log.debug({ agent: name, ms: steps.total(), steps: steps.ms }, "agent's DM finished");
}

export async function listAgents(ctx: ModelContext, owner: string): Promise<AgentWithProjects[]> {
  return ctx.db.agent.findMany({
    where: { ownerUserId: owner },
    include: withProjects,
    orderBy: { name: "asc" },
  });
}

export async function getAgent(ctx: ModelContext, owner: string, name: string): Promise<AgentWithProjects> {
  const agent = await ownedAgent(ctx, owner, name);
  return ctx.db.agent.findUniqueOrThrow({ where: { id: agent.id }, include: withProjects });
}

/**
 * Deletes the agent: its puppet leaves every room and its token stops working. Its name is
 * kept as deleted, so no later agent takes over its user and with it its messages.
 */
export async function deleteAgent(ctx: ModelContext, owner: string, name: string): Promise<void> {
  const agent = await ownedAgent(ctx, owner, name);
  await ctx.locks.acquire(`agent:${name}`, async () => {
    // A registration's follow-up must not join the DM after the puppet left it.
    await ctx.agentFollowUps.settled(agent.id);
    await ctx.db.$transaction([
      ctx.db.agent.delete({ where: { id: agent.id } }),
      ctx.db.deletedAgentName.create({ data: { name: agent.name, userId: agent.userId } }),
    ]);
    ctx.runtimes.disconnect(agent.id, "agent deleted");
    ctx.rooms.invalidate();
    const rooms = await ctx.matrix.joinedRooms(agent.userId as UserId).catch(() => new Set<string>());
    for (const roomId of rooms) {
      await ctx.matrix
        .leave(roomId, agent.userId as UserId)
        .catch((error: unknown) => ctx.log.warn({ err: error, roomId }, "agent could not leave"));
    }
    await ctx.puppets
      .deactivate(agent.userId as UserId)
      .catch((error: unknown) => ctx.log.warn({ err: error, agent: name }, "could not deactivate the agent's user"));
    ctx.log.info({ agent: name, owner }, "deleted agent");
    ctx.events.changed("agents", { users: [owner] });
  });
}

/** Applies what the agent's repository says now: display name, avatar, repository URL. */
export async function updateAgent(
  ctx: ModelContext,
  owner: string,
  name: string,
  patch: { displayName?: string; repoUrl?: string; avatarUrl?: string | null },
): Promise<AgentWithProjects> {
  const agent = await ownedAgent(ctx, owner, name);
  const updated = await ctx.db.agent.update({
    where: { id: agent.id },
    data: patch,
    include: withProjects,
  });
  ctx.rooms.invalidate();
  await ctx.puppets.ensure(agent.userId as UserId, updated.displayName, updated.avatarUrl);
  if (updated.displayName !== agent.displayName) {
    await ctx.matrix.sendState(updated.dmRoomId, "m.room.name", "", { name: updated.displayName });
    await ctx.matrix.sendState(updated.dmRoomId, "m.room.topic", "", {
      topic: `Direct messages with ${updated.displayName}`,
    });
  }
  ctx.events.changed("agents", { users: [owner] });
  return updated;
}

export async function rotateToken(ctx: ModelContext, owner: string, name: string): Promise<string> {
  const agent = await ownedAgent(ctx, owner, name);
  const { token, hash } = newRuntimeToken();
  await ctx.db.agent.update({ where: { id: agent.id }, data: { tokenHash: hash, tokenIssuedAt: new Date() } });
  ctx.runtimes.disconnect(agent.id, "runtime token rotated");
  ctx.events.changed("agents", { users: [owner] });
  return token;
}

export async function revokeToken(ctx: ModelContext, owner: string, name: string): Promise<void> {
  const agent = await ownedAgent(ctx, owner, name);
  await ctx.db.agent.update({ where: { id: agent.id }, data: { tokenHash: null, tokenIssuedAt: null } });
  ctx.runtimes.disconnect(agent.id, "runtime token revoked");
  ctx.events.changed("agents", { users: [owner] });
}

/** The agent a runtime token belongs to, or undefined for an unknown, rotated or revoked token. */
export async function agentForRuntimeToken(ctx: ModelContext, token: string): Promise<Agent | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  return (await ctx.db.agent.findUnique({ where: { tokenHash: hashToken(token) } })) ?? undefined;
}

export async function listSignals(
  ctx: ModelContext,
  owner: string,
  name: string,
  pendingOnly: boolean,
): Promise<AgentSignal[]> {
  const agent = await ownedAgent(ctx, owner, name);
  const signals = await ctx.db.signal.findMany({
    where: { agentId: agent.id, ...(pendingOnly ? { acknowledgedAt: null } : {}) },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  const projects = new Map(
    (
      await ctx.db.project.findMany({
        where: { id: { in: signals.flatMap((s) => (s.projectId ? [s.projectId] : [])) } },
        include: { team: true },
      })
    ).map((p) => [p.id, p]),
  );
  return signals.map((signal) => ({
    signal,
    project: signal.projectId ? projects.get(signal.projectId) : undefined,
  }));
}

/** The agent called `agentName`, if `actor` owns it; otherwise why not. */
export async function ownedAgent(ctx: ModelContext, actor: string, agentName: string) {
  const agent = await ctx.db.agent.findUnique({ where: { name: agentName } });
  if (!agent) throw new DomainError("not_found", `no agent '${agentName}'; see \`aachat agent list\``);
  if (agent.ownerUserId !== actor)
    throw new DomainError(
      "forbidden",
      `agent '${agentName}' belongs to ${agent.ownerUserId}; only its owner can manage it`,
    );
  return agent;
}
