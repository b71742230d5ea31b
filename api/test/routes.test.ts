import { describe, expect, expectTypeOf, it } from "vitest";
import { buildPath, openApiDocument, routes, type PathParamNames, type RouteParams } from "../src/index.ts";

describe("path parameters", () => {
  it("are the path's :name segments, each a string", () => {
    expectTypeOf<PathParamNames<"/teams/:team/members/:userId">>().toEqualTypeOf<"team" | "userId">();
    expectTypeOf<PathParamNames<"/agents">>().toEqualTypeOf<never>();
    expectTypeOf<RouteParams<typeof routes.stopSession>>().toEqualTypeOf<{ agent: string; session: string }>();
    // Every route declares a schema for exactly the parameters of its path.
    for (const route of Object.values(routes)) {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
      expect(Object.keys(route.params).sort(), `${route.method} ${route.path}`).toEqual(names.sort());
    }
  });

  it("are URL-encoded into the path", () => {
    expect(buildPath("/teams/:team/members/:userId", { team: "~alice", userId: "@bob:example.org" })).toBe(
      "/teams/~alice/members/%40bob%3Aexample.org",
    );
    expect(buildPath("/teams/:team/streams/:stream/archive", { team: "acme", stream: "a/b" })).toBe(
      "/teams/acme/streams/a%2Fb/archive",
    );
    expect(buildPath("/me", {})).toBe("/me");
  });
});

describe("the OpenAPI document", () => {
  it("lists every route of the table, with its parameters and success status", () => {
    const document = openApiDocument("http://aachat.test:8090") as {
      servers: { url: string }[];
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
    };
    expect(document.servers).toEqual([{ url: "http://aachat.test:8090/api/v1" }]);
    const listed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`),
    );
    const table = Object.values(routes).map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(listed).toEqual(table);
    expect(listed).toHaveLength(35);
    const setMember = document.paths["/teams/{team}/members/{userId}"]?.put;
    expect(setMember?.parameters?.map((parameter) => parameter.name)).toEqual(["team", "userId"]);
    expect(Object.keys(document.paths["/teams"]?.post?.responses ?? {})).toEqual(["201", "default"]);
  });
});
