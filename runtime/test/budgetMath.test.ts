import { describe, expect, it } from "vitest";
import { formatUsd, nextUtcMidnight, raisedLimit, utcDayLabel } from "../src/usage/budgetMath.ts";

describe("budget arithmetic", () => {
  it("counts days in UTC, whatever the local time zone", () => {
    const lateEvening = new Date("2026-11-26T23:59:30.000Z");
    expect(utcDayLabel(lateEvening)).toBe("2026-11-26");
    expect(nextUtcMidnight(lateEvening).toISOString()).toBe("2026-11-27T00:00:00.000Z");
    expect(nextUtcMidnight(new Date("2026-12-31T10:00:00.000Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("shows dollars in cents, and tiny amounts without rounding them to nothing", () => {
    expect(formatUsd(5)).toBe("$5.00");
    expect(formatUsd(1.2345)).toBe("$1.23");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(0)).toBe("$0.00");
  });

  it("offers a raise past both the limit and what is already spent", () => {
    expect(raisedLimit(5, 5.12)).toBe(10.12);
    expect(raisedLimit(5, 4.99)).toBe(10);
    // A limit of zero (no spending at all) is raised by a dollar, not by nothing.
    expect(raisedLimit(0, 0)).toBe(1);
    expect(raisedLimit(0.5, 0.75)).toBe(1.75);
  });
});
