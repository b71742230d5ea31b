import type { AgentUsageReport } from "@aachat/api";
import type { UsageTotals } from "@aachat/protocol";

/** Dollars in cents, tiny amounts to a hundredth of a cent; tokens in thousands. */
function cost(totals: UsageTotals): string {
  const usd = totals.costUsd > 0 && totals.costUsd < 0.01 ? totals.costUsd.toFixed(4) : totals.costUsd.toFixed(2);
  const tokens = totals.tokens >= 1000 ? `${(totals.tokens / 1000).toFixed(1).replace(/\.0$/, "")}k` : totals.tokens;
  return `$${usd} (${tokens} tokens)`;
}

function periods(usage: Pick<AgentUsageReport, "today" | "week" | "total">): string {
  return `today ${cost(usage.today)} · this week ${cost(usage.week)} · in all ${cost(usage.total)}`;
}

/** What the agent cost (UTC days, weeks from Monday), its daily limit, and each running session's share. */
export function renderUsage(name: string, usage: AgentUsageReport): string {
  const source =
    usage.limitSource === "owner"
      ? " (set by you)"
      : usage.limitSource === "environment"
        ? " (from environment.yaml)"
        : "";
  const limit =
    usage.dailyLimitUsd === null
      ? `none; set one with \`aachat agent budget ${name} USD\``
      : `$${usage.dailyLimitUsd.toFixed(2)} a day${source}`;
  const lines = [`Cost: ${periods(usage)}`, `Daily limit: ${limit}`];
  for (const session of usage.sessions) lines.push(`  session ${session.sessionId}: ${periods(session)}`);
  return lines.join("\n");
}
