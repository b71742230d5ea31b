import type { AgentUsage, UsageTotals } from "@aachat/protocol";
import type { Agent } from "../generated/prisma/client.ts";
import { ownedAgent } from "./agents.ts";
import type { ModelContext } from "./ModelContext.ts";

/**
 * What an agent's turns cost, and its daily cost limit. Days are UTC days and weeks start
 * on Monday (UTC), the same for every owner, so that a limit resets at one known moment.
 */

/** The start of the UTC day of `now`, and its `YYYY-MM-DD`. */
export function utcDay(now: Date): { start: Date; label: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { start, label: start.toISOString().slice(0, 10) };
}

/** The start of the UTC week (Monday) of `now`. */
export function utcWeekStart(now: Date): Date {
  const { start } = utcDay(now);
  const sinceMonday = (start.getUTCDay() + 6) % 7;
  return new Date(start.getTime() - sinceMonday * 86_400_000);
}

type BudgetColumns = Pick<Agent, "budgetConfiguredUsd" | "budgetOverrideUsd" | "budgetRaisedUsd" | "budgetRaisedDay">;

/** Today's limit: the owner's (else environment.yaml's), or what the owner raised it to for today. */
export function dailyLimit(agent: BudgetColumns, now: Date): number | null {
  const base = agent.budgetOverrideUsd ?? agent.budgetConfiguredUsd;
  if (agent.budgetRaisedDay === utcDay(now).label && agent.budgetRaisedUsd !== null) {
    return base === null ? agent.budgetRaisedUsd : Math.max(base, agent.budgetRaisedUsd);
  }
  return base;
}

async function totalsSince(
  ctx: ModelContext,
  where: { agentId: number; sessionId?: string },
  since: Date | null,
): Promise<UsageTotals> {
  const sums = await ctx.db.agentUsage.aggregate({
    where: { ...where, ...(since ? { at: { gte: since } } : {}) },
    _sum: { tokens: true, costUsd: true },
  });
  return { tokens: sums._sum.tokens ?? 0, costUsd: roundCost(sums._sum.costUsd ?? 0) };
}

/** Sums of floats drift in the last digits; a hundredth of a cent is finer than any price. */
function roundCost(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

async function periods(
  ctx: ModelContext,
  where: { agentId: number; sessionId?: string },
  now: Date,
): Promise<Pick<AgentUsage, "today" | "week" | "total">> {
  const [today, week, total] = await Promise.all([
    totalsSince(ctx, where, utcDay(now).start),
    totalsSince(ctx, where, utcWeekStart(now)),
    totalsSince(ctx, where, null),
  ]);
  return { today, week, total };
}

/** The agent's usage and today's limit. */
export async function agentUsage(ctx: ModelContext, agent: Agent, now = new Date()): Promise<AgentUsage> {
  return { ...(await periods(ctx, { agentId: agent.id }, now)), dailyLimitUsd: dailyLimit(agent, now) };
}

/** Records one turn's cost once per key (a turn recorded again after a restart changes nothing). */
export async function recordUsage(
  ctx: ModelContext,
  agent: Agent,
  turn: { sessionId: string; key: string; tokens: number; costUsd: number },
): Promise<AgentUsage> {
  await ctx.db.agentUsage.upsert({
    where: { agentId_key: { agentId: agent.id, key: turn.key } },
    create: { agentId: agent.id, ...turn },
    update: {},
  });
  ctx.events.changed("agents", { users: [agent.ownerUserId] });
  return agentUsage(ctx, agent);
}

/** Keeps the limit the agent's environment.yaml sets, as its runtime says. */
export async function configureLimit(ctx: ModelContext, agent: Agent, usd: number | null): Promise<AgentUsage> {
  const updated =
    agent.budgetConfiguredUsd === usd
      ? agent
      : await ctx.db.agent.update({ where: { id: agent.id }, data: { budgetConfiguredUsd: usd } });
  return agentUsage(ctx, updated);
}

/** Raises today's limit after the owner agreed in the DM. */
export async function raiseToday(ctx: ModelContext, agent: Agent, toUsd: number): Promise<AgentUsage> {
  const updated = await ctx.db.agent.update({
    where: { id: agent.id },
    data: { budgetRaisedUsd: toUsd, budgetRaisedDay: utcDay(new Date()).label },
  });
  ctx.events.changed("agents", { users: [agent.ownerUserId] });
  return agentUsage(ctx, updated);
}

export interface AgentUsageReport extends AgentUsage {
  /** Where the limit comes from. */
  limitSource: "owner" | "environment" | null;
  /** The limit environment.yaml sets, as the runtime last said. */
  configuredLimitUsd: number | null;
  /** The agent's sessions running now, each with its own usage. */
  sessions: ({ sessionId: string } & Pick<AgentUsage, "today" | "week" | "total">)[];
}

/** The owner's view of an agent's usage: totals, the limit and where it comes from, each live session. */
export async function usageReport(ctx: ModelContext, owner: string, name: string): Promise<AgentUsageReport> {
  const agent = await ownedAgent(ctx, owner, name);
  return report(ctx, agent);
}

async function report(ctx: ModelContext, agent: Agent): Promise<AgentUsageReport> {
  const now = new Date();
  const live = ctx.runtimes.status(agent.id).state?.sessions ?? [];
  const sessions = await Promise.all(
    live.map(async (session) => ({
      sessionId: session.id,
      ...(await periods(ctx, { agentId: agent.id, sessionId: session.id }, now)),
    })),
  );
  return {
    ...(await agentUsage(ctx, agent, now)),
    limitSource: agent.budgetOverrideUsd !== null ? "owner" : agent.budgetConfiguredUsd !== null ? "environment" : null,
    configuredLimitUsd: agent.budgetConfiguredUsd,
    sessions,
  };
}

/**
 * The owner sets (or, with null, clears) the agent's daily limit. A raise for today made
 * before no longer holds: the owner has just said what today's limit is. A running runtime
 * hears of it at once, so that a session paused by the limit may go on.
 */
export async function setDailyLimit(
  ctx: ModelContext,
  owner: string,
  name: string,
  usd: number | null,
): Promise<AgentUsageReport> {
  const agent = await ownedAgent(ctx, owner, name);
  const updated = await ctx.db.agent.update({
    where: { id: agent.id },
    data: { budgetOverrideUsd: usd, budgetRaisedUsd: null, budgetRaisedDay: null },
  });
  ctx.events.changed("agents", { users: [owner] });
  const result = await report(ctx, updated);
  if (ctx.runtimes.status(agent.id).online) {
    const { today, week, total, dailyLimitUsd } = result;
    await ctx.runtimes
      .command(agent.id, "budget.changed", { usage: { today, week, total, dailyLimitUsd } })
      .catch((error: unknown) => ctx.log.warn({ err: error, agent: name }, "could not tell the runtime the new limit"));
  }
  return result;
}
