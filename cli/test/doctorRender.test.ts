import { describe, expect, it } from "vitest";
import { render, type Check } from "../src/doctor/checks.ts";

const ok: Check = { name: "node", status: "ok", detail: "v22.12.0" };
const warned: Check = {
  name: "claude code",
  status: "warn",
  detail: "no Claude login found",
  fix: "run `claude` once and log in",
};
const failed: Check = { name: "homeserver", status: "fail", detail: "not reachable", fix: "run `npm start`" };

describe("doctor's report", () => {
  it("says all checks passed only when none warned or failed", () => {
    expect(render([ok]).split("\n").at(-1)).toBe("All checks passed.");
  });

  it("does not call a report with warnings a pass", () => {
    const report = render([ok, warned]);
    expect(report).not.toContain("All checks passed");
    expect(report.split("\n").at(-1)).toBe("No check failed; 1 warning(s) above.");
    expect(report).toContain("→ run `claude` once and log in");
  });

  it("counts the failures", () => {
    expect(render([ok, warned, failed]).split("\n").at(-1)).toBe("1 check(s) failed.");
  });
});
