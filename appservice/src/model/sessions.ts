import type { CommandParams, CommandResult, ProjectRef } from "@aachat/protocol";
import { DomainError } from "../errors/DomainError.ts";
import type { ModelContext } from "./ModelContext.ts";
import { ownedAgent } from "./agents.ts";

/**
 * The owner's session controls, passed on to the agent's runtime (wherever it runs) as
 * commands. Only the agent's owner may use them.
 */

/** Starts a session of the agent covering these projects (`team/project`, or `project` when the name is unambiguous). */
export async function startSession(
  ctx: ModelContext,
  owner: string,
  agentName: string,
  selectors: readonly string[],
): Promise<CommandResult<"session.start">> {
  const agent = await ownedAgent(ctx, owner, agentName);
  const memberships = await ctx.db.projectAgent.findMany({
    where: { agentId: agent.id },
    include: { project: { include: { team: true } } },
  });
  const available = memberships.map(({ project }) => ({
    ref: { id: project.id, team: project.team.slug, name: project.name, roomId: project.roomId },
    archived: project.archivedAt !== null,
  }));
  const chosen = new Map<number, ProjectRef>();
  for (const selector of selectors) {
    const [team, name] = selector.includes("/") ? selector.split("/", 2) : [undefined, selector];
    const matches = available.filter((p) => p.ref.name === name && (team === undefined || p.ref.team === team));
    const listed =
      available
        .map((p) => `${p.ref.team}/${p.ref.name}`)
        .sort()
        .join(", ") || "none yet";
    if (matches.length === 0) {
      throw new DomainError(
        "not_found",
        `agent '${agentName}' is not in a project '${selector}' (its projects: ${listed}); add it with \`aachat project add-agent\``,
      );
    }
    if (matches.length > 1) {
      throw new DomainError(
        "invalid",
        `'${selector}' names projects in several teams (${matches.map((p) => `${p.ref.team}/${p.ref.name}`).join(", ")}); say which as TEAM/PROJECT`,
      );
    }
    const [match] = matches as [(typeof matches)[number]];
    if (match.archived) {
      throw new DomainError(
        "conflict",
        `project '${match.ref.team}/${match.ref.name}' is archived; a session cannot cover it`,
      );
    }
    chosen.set(match.ref.id, match.ref);
  }
  return ctx.runtimes.command(agent.id, "session.start", { projects: [...chosen.values()] });
}

export async function controlSession<Action extends "stop" | "restart" | "compact">(
  ctx: ModelContext,
  owner: string,
  agentName: string,
  sessionId: string,
  action: Action,
): Promise<CommandResult<`session.${Action}`>> {
  const agent = await ownedAgent(ctx, owner, agentName);
  // The three commands take the same parameters; TypeScript cannot see that through the generic name.
  const params = { sessionId } as CommandParams<`session.${Action}`>;
  return ctx.runtimes.command(agent.id, `session.${action}`, params);
}

export async function runtimeLogs(
  ctx: ModelContext,
  owner: string,
  agentName: string,
  lines: number,
): Promise<CommandResult<"logs.tail">> {
  const agent = await ownedAgent(ctx, owner, agentName);
  return ctx.runtimes.command(agent.id, "logs.tail", { lines });
}
