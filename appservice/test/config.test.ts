import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile } from "../src/index.ts";

const valid = `
homeserver:
  url: http://127.0.0.1:8008
  serverName: localhost
appservice:
  port: 8090
  url: http://127.0.0.1:8090
`;

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "aachat-config-"));
  const file = path.join(dir, "aachat.yaml");
  await writeFile(file, text);
  return file;
}

async function errorOf(text: string): Promise<ConfigError> {
  const file = await configFile(text);
  const error = await loadConfigFile(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("the appservice config file", () => {
  it("fills defaults and makes paths absolute, relative to the file", async () => {
    const file = await configFile(valid);
    const config = await loadConfigFile(file);
    expect(config.appservice.bindAddress).toBe("127.0.0.1");
    expect(config.appservice.registrationFile).toBe(path.join(path.dirname(file), "registration.yaml"));
    expect(config.database).toEqual({ kind: "sqlite", sqliteFile: path.join(path.dirname(file), "aachat.db") });
    expect(config.logging).toEqual({ level: "info", format: "auto" });
  });

  it("names an unknown key and the file", async () => {
    const error = await errorOf(valid + "  colour: blue\n");
    expect(error.message).toBe(`${error.file}: appservice.colour: unknown key`);
  });

  it("names a value of the wrong type", async () => {
    const error = await errorOf(valid.replace("port: 8090", "port: eighty"));
    expect(error.message).toBe(`${error.file}: appservice.port: expected number, got "eighty"`);
  });

  it("names a missing value", async () => {
    const error = await errorOf(valid.replace("  serverName: localhost\n", ""));
    expect(error.message).toBe(`${error.file}: homeserver.serverName: missing (expected string)`);
  });

  it("refuses a port out of range", async () => {
    const error = await errorOf(valid.replace("port: 8090", "port: 70000"));
    expect(error.key).toBe("appservice.port");
    expect(error.message).toContain("65535");
  });

  it("says where YAML is broken", async () => {
    const error = await errorOf("homeserver:\n  url: [unclosed\n");
    expect(error.message).toMatch(/is not valid YAML at line \d/);
  });

  it("says how to create a missing file", async () => {
    const error = (await loadConfigFile("/nonexistent/aachat.yaml").catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain("file not found; run `aachat up` once");
  });

  it("runs on PostgreSQL when given a database url, and says when the database is given twice or wrong", async () => {
    const postgres = await loadConfigFile(
      await configFile(`${valid}database:\n  url: postgresql://aachat:secret@db:5432/aachat\n`),
    );
    expect(postgres.database).toEqual({ kind: "postgresql", url: "postgresql://aachat:secret@db:5432/aachat" });
    const both = await errorOf(`${valid}database:\n  url: postgresql://db/aachat\n  sqliteFile: aachat.db\n`);
    expect(both.message).toBe(`${both.file}: database: give sqliteFile or url, not both`);
    const wrong = await errorOf(`${valid}database:\n  url: mysql://db/aachat\n`);
    expect(wrong.message).toBe(
      `${wrong.file}: database.url: must be a postgresql://user:password@host:port/database URL`,
    );
  });

  it("takes the homeserver's public URL for browsers apart from where the appservice reaches it", async () => {
    const config = await loadConfigFile(
      await configFile(
        valid.replace(
          "  serverName: localhost\n",
          "  serverName: localhost\n  publicUrl: https://matrix.example.org/\n",
        ),
      ),
    );
    expect(config.homeserver).toEqual({
      url: "http://127.0.0.1:8008",
      publicUrl: "https://matrix.example.org",
      serverName: "localhost",
    });
  });
});
