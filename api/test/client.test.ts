import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, ApiResponseError, ServerUnreachableError } from "../src/index.ts";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A client whose fetch answers with `status` and `body`, recording each request. */
function clientAnswering(status: number, body: unknown): { api: ApiClient; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    calls.push({
      url: input instanceof Request ? input.url : String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      body: typeof init?.body === "string" ? init.body : undefined,
    });
    const text = body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
    return Promise.resolve(new Response(text, { status }));
  };
  return { api: new ApiClient({ serverUrl: "http://aachat.test:8090/", accessToken: "tok", fetch }), calls };
}

const member = { userId: "@bob:example.org", role: "admin" };

describe("ApiClient", () => {
  it("sends the token and the body, encodes path parameters and parses the answer", async () => {
    const { api, calls } = clientAnswering(200, member);
    expect(await api.setMember("~alice", "@bob:example.org", { role: "admin" })).toEqual(member);
    expect(calls).toEqual([
      {
        url: "http://aachat.test:8090/api/v1/teams/~alice/members/%40bob%3Aexample.org",
        method: "PUT",
        headers: expect.objectContaining({ authorization: "Bearer tok", "content-type": "application/json" }),
        body: JSON.stringify({ role: "admin" }),
      },
    ]);
  });

  it("asks for pending signals, or for all of them", async () => {
    const { api, calls } = clientAnswering(200, []);
    await api.listSignals("reviewer", { pending: true });
    await api.listSignals("reviewer", { pending: false });
    expect(calls.map((call) => call.url)).toEqual([
      "http://aachat.test:8090/api/v1/agents/reviewer/signals?pending=true",
      "http://aachat.test:8090/api/v1/agents/reviewer/signals?pending=false",
    ]);
  });

  it("accepts an empty 204 answer", async () => {
    const { api } = clientAnswering(204, undefined);
    await expect(api.deleteAgent("reviewer")).resolves.toBeUndefined();
  });

  it("turns the API's error body into an ApiError with its code and message", async () => {
    const { api } = clientAnswering(403, { error: { code: "forbidden", message: "only an admin can rename acme" } });
    const error = await api.renameTeam("acme", { name: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: "forbidden", message: "only an admin can rename acme" });
  });

  it("names the request when an error has no API body", async () => {
    const { api } = clientAnswering(502, "<html>Bad gateway</html>");
    await expect(api.listTeams()).rejects.toThrow(
      "the aachat server at http://aachat.test:8090 answered GET /api/v1/teams with HTTP 502",
    );
  });

  it("refuses an answer that does not match the schema", async () => {
    const { api } = clientAnswering(200, { userId: "@bob:example.org", role: "boss" });
    const error = await api.setMember("acme", "@bob:example.org", { role: "admin" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect((error as Error).message).toContain("unexpected response at role");
  });

  it("says when the server cannot be reached", async () => {
    const api = new ApiClient({
      serverUrl: "http://127.0.0.1:9",
      accessToken: "tok",
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    const error = await api.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      "cannot reach the aachat server at http://127.0.0.1:9; is `aachat up` running?",
    );
  });
});
