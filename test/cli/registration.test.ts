import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";

describe("aachat registration", () => {
  it("writes a registration for an existing homeserver, readable by its owner only", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "aachat-reg-")), "registration.yaml");
    const result = await runCli([
      "registration",
      "--url",
      "http://10.0.0.5:8090/",
      "--server-name",
      "example.org",
      "--out",
      out,
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: out, id: "aachat", url: "http://10.0.0.5:8090" });
    const registration = parse(await readFile(out, "utf8")) as Record<string, unknown>;
    expect(registration).toMatchObject({
      id: "aachat",
      url: "http://10.0.0.5:8090",
      sender_localpart: "aachat",
      namespaces: { users: [{ exclusive: true, regex: "@agent_.*:example\\.org" }] },
    });
    expect(registration.as_token).toMatch(/^[0-9a-f]{64}$/);
    expect(registration.hs_token).not.toBe(registration.as_token);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it("refuses to overwrite a registration without --force, and leaves it as it was", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "aachat-reg-")), "registration.yaml");
    await runCli(["registration", "--url", "http://127.0.0.1:8090", "--server-name", "localhost", "--out", out]);
    const before = await readFile(out, "utf8");
    const result = await runCli([
      "registration",
      "--url",
      "http://127.0.0.1:8090",
      "--server-name",
      "localhost",
      "--out",
      out,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ${out} already exists; pass --force to replace it (its tokens will change)\n`);
    expect(await readFile(out, "utf8")).toBe(before);
  });

  it("refuses a URL that is not http(s)", async () => {
    const result = await runCli([
      "registration",
      "--url",
      "localhost:8090",
      "--server-name",
      "localhost",
      "--out",
      "/tmp/never-written.yaml",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--url 'localhost:8090' is not an http(s) URL");
  });
});
