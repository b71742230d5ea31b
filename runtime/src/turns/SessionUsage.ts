import type { PromptResponse, SessionUpdate } from "@agentclientprotocol/sdk";
import { z } from "zod";

/** What something cost: tokens, and USD when the agent reports a cost. */
export interface Usage {
  tokens: number;
  costUsd: number;
}

/**
 * The token counts claude-agent-acp puts on a prompt response (that turn's own), beside
 * the stable fields of the ACP type.
 */
const responseUsage = z.looseObject({
  usage: z.looseObject({ totalTokens: z.number().int().min(0) }).nullish(),
});

/** The tokens a prompt response says its turn used, when it says. */
export function turnTokens(response: PromptResponse): number | null {
  const parsed = responseUsage.safeParse(response);
  return parsed.success ? (parsed.data.usage?.totalTokens ?? null) : null;
}

/**
 * What a session has cost so far. An agent reports its cost as a running total
 * (`usage_update`'s `cost.amount`), which starts again at 0 when its process does: the
 * session adds up the increases, so a restart neither loses nor repeats cost.
 */
export class SessionUsage {
  #reported: number | null = null;
  #costUsd = 0;
  #tokens = 0;
  #known = false;

  /** Takes an ACP update; only `usage_update` with a USD cost counts. */
  apply(update: SessionUpdate): void {
    if (update.sessionUpdate !== "usage_update" || !update.cost || update.cost.currency !== "USD") return;
    const amount = update.cost.amount;
    if (!Number.isFinite(amount) || amount < 0) return;
    const previous = this.#reported ?? 0;
    this.#costUsd += amount >= previous ? amount - previous : amount;
    this.#reported = amount;
    this.#known = true;
  }

  addTokens(tokens: number): void {
    this.#tokens += tokens;
    this.#known = true;
  }

  get costUsd(): number {
    return this.#costUsd;
  }

  /** The session's totals, or null before the agent reported any usage. */
  get total(): Usage | null {
    return this.#known ? { tokens: this.#tokens, costUsd: this.#costUsd } : null;
  }
}

/** A turn's last line: `_1.2k tokens · $0.042 · session $1.31_`. */
export function usageFooter(turn: { tokens: number | null; costUsd: number | null }, session: Usage | null): string {
  const parts: string[] = [];
  if (turn.tokens !== null) parts.push(`${compactCount(turn.tokens)} tokens`);
  if (turn.costUsd !== null) parts.push(dollars(turn.costUsd));
  if (parts.length === 0) return "";
  if (session && turn.costUsd !== null) parts.push(`session ${dollars(session.costUsd)}`);
  else if (session && turn.tokens !== null) parts.push(`session ${compactCount(session.tokens)} tokens`);
  return `_${parts.join(" · ")}_`;
}

function compactCount(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${trimmed(count / 1000)}k`;
  return `${trimmed(count / 1_000_000)}M`;
}

function trimmed(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "");
}

function dollars(amount: number): string {
  if (amount === 0) return "$0";
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.01) return `$${amount.toFixed(3)}`;
  if (amount >= 0.0001) return `$${amount.toFixed(4)}`;
  return "<$0.0001";
}
