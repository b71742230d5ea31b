import { copyFile, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";

const TEMPLATE = fileURLToPath(new URL("../../registration.yaml", import.meta.url));

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

  it("fills a copy of the template in place, keeping its comments, without --force", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "aachat-reg-")), "registration.yaml");
    await copyFile(TEMPLATE, out);
    const result = await runCli([
      "registration",
      "--url",
      "http://synapse-host:8090",
      "--server-name",
      "example.org",
      "-o",
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(out, "utf8");
    expect(text).not.toContain("CHANGE_ME");
    expect(text).toContain("# The bot's user");
    expect(parse(text)).toMatchObject({
      url: "http://synapse-host:8090",
      namespaces: { users: [{ regex: "@agent_.*:example\\.org" }] },
    });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it("writes into the data directory by default, and never over the repository's template", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "aachat-reg-data-"));
    const result = await runCli(["registration", "--url", "http://127.0.0.1:8090", "--server-name", "localhost"], {
      AACHAT_DATA_DIR: dataDir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect((await stat(path.join(dataDir, "registration.yaml"))).mode & 0o777).toBe(0o600);

    const template = await readFile(TEMPLATE, "utf8");
    const refused = await runCli([
      "registration",
      "--url",
      "http://127.0.0.1:8090",
      "--server-name",
      "localhost",
      "-o",
      TEMPLATE,
      "--force",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is the template in the repository");
    expect(await readFile(TEMPLATE, "utf8")).toBe(template);
  });

  it("the appservice refuses to start on the template, naming the file and the command that fills it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aachat-reg-start-"));
    const registration = path.join(dir, "registration.yaml");
    await copyFile(TEMPLATE, registration);
    const config = path.join(dir, "aachat.yaml");
    await writeFile(
      config,
      "homeserver:\n  url: http://127.0.0.1:9\n  serverName: localhost\n" +
        "appservice:\n  url: http://127.0.0.1:8090\n  registrationFile: registration.yaml\n",
    );
    const result = await runCli(["appservice", "-c", config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${registration}: url, as_token, hs_token, namespaces.users.0.regex:`);
    expect(result.stderr).toContain(
      `aachat registration --url APPSERVICE_URL --server-name SERVER_NAME -o ${registration}`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
