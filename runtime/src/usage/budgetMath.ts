/** Days are UTC days, the same for the runtime, the appservice and every owner. */
export function utcDayLabel(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** Dollars as people read them: cents, or a tenth of a cent below a dollar's cent. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * What the owner is offered as today's new limit: one more day's worth (at least a dollar)
 * beyond what is spent or allowed now, in whole cents.
 */
export function raisedLimit(limitUsd: number, spentUsd: number): number {
  const raised = Math.max(limitUsd, spentUsd) + Math.max(limitUsd, 1);
  // Rounded first: 10.12 is 1012.0000000000001 cents in floating point.
  return Math.ceil(Math.round(raised * 10_000) / 100) / 100;
}
