import { describe, expect, it } from "vitest";
import { matrixToHref, parseRoute, teamHref } from "../src/app/routes.ts";

describe("console routes", () => {
  it("reads the page from the hash", () => {
    expect(parseRoute("")).toEqual({ page: "teams" });
    expect(parseRoute("#/teams")).toEqual({ page: "teams" });
    expect(parseRoute("#/agents")).toEqual({ page: "agents" });
    expect(parseRoute(teamHref("~alice"))).toEqual({ page: "team", slug: "~alice" });
  });

  it("links rooms to matrix.to", () => {
    expect(matrixToHref("!abc:localhost")).toBe("https://matrix.to/#/!abc:localhost");
  });
});
