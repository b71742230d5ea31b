import { describe, expect, it } from "vitest";
import { median, percentile, summarize } from "../stats.ts";

describe("bench statistics", () => {
  it("takes the median of odd and even counts, whatever the order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("takes percentiles by nearest rank", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([1, 2, 3, 1000], 99)).toBe(1000);
    expect(percentile([42], 99)).toBe(42);
  });

  it("summarizes without changing its input", () => {
    const samples = [3, 1, 2];
    expect(summarize(samples)).toEqual({ count: 3, min: 1, median: 2, p99: 3, max: 3, mean: 2 });
    expect(samples).toEqual([3, 1, 2]);
  });

  it("refuses empty samples and bad percentiles", () => {
    expect(() => median([])).toThrow();
    expect(() => summarize([])).toThrow();
    expect(() => percentile([1], 0)).toThrow();
    expect(() => percentile([1], 101)).toThrow();
  });
});
