import { describe, expect, it } from "vitest";
import { MatrixApiError, mayHaveTakenEffect } from "../src/matrix/MatrixApi.ts";
import { MAX_UNANSWERED_ATTEMPTS, retryDelayMs } from "../src/matrix/OutboundQueue.ts";

const answer = (status: number, errcode: string) => new MatrixApiError(status, errcode, "", "PUT", "/send");

describe("mayHaveTakenEffect", () => {
  it("holds when no answer came: the request may have been handled", () => {
    expect(mayHaveTakenEffect(new TypeError("fetch failed"))).toBe(true);
    expect(mayHaveTakenEffect(new DOMException("The operation timed out.", "TimeoutError"))).toBe(true);
  });

  it("holds for a failure on the homeserver's side", () => {
    expect(mayHaveTakenEffect(answer(500, "M_UNKNOWN"))).toBe(true);
    expect(mayHaveTakenEffect(answer(502, "M_UNKNOWN"))).toBe(true);
  });

  it("does not hold when the homeserver refused", () => {
    expect(mayHaveTakenEffect(answer(403, "M_FORBIDDEN"))).toBe(false);
    expect(mayHaveTakenEffect(answer(413, "M_TOO_LARGE"))).toBe(false);
    expect(mayHaveTakenEffect(answer(429, "M_LIMIT_EXCEEDED"))).toBe(false);
  });
});

describe("retryDelayMs", () => {
  it("doubles from half a second up to fifteen", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
  });

  it("keeps trying for about two minutes before giving up on a message", () => {
    let total = 0;
    for (let failures = 1; failures < MAX_UNANSWERED_ATTEMPTS; failures++) total += retryDelayMs(failures);
    expect(total).toBeGreaterThanOrEqual(90_000);
    expect(total).toBeLessThanOrEqual(180_000);
  });
});
