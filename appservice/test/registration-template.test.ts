import { copyFile, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  generateRegistration,
  loadConfigFile,
  loadRegistration,
  placeholdersIn,
  REGISTRATION_TEMPLATE_FILE,
  writeRegistration,
} from "../src/index.ts";

/** Every key path of a value, array items by index: the shape, without the values. */
function shapeOf(value: unknown, at = ""): string[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, index) => shapeOf(item, `${at}[${index}]`))];
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => shapeOf(item, at ? `${at}.${key}` : key));
  }
  return [at];
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "aachat-regtpl-"));
}

async function problemOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("the registration.yaml template at the top of the repository", () => {
  const generated = generateRegistration({ url: "http://10.0.0.5:8090", serverName: "example.org" });

  it("has exactly the fields of the registration aachat generates", async () => {
    const template = parse(await readFile(REGISTRATION_TEMPLATE_FILE, "utf8")) as Record<string, unknown>;
    expect(shapeOf(template).sort()).toEqual(shapeOf(generated).sort());
  });

  it("holds placeholders where the tokens, the url and the server name go, and the real values elsewhere", async () => {
    const template = parse(await readFile(REGISTRATION_TEMPLATE_FILE, "utf8")) as Record<string, unknown>;
    expect(placeholdersIn(template).sort()).toEqual(["as_token", "hs_token", "namespaces.users.0.regex", "url"]);
    const placeholder = "CHANGE_ME";
    expect({ ...template, url: placeholder, as_token: placeholder, hs_token: placeholder }).toEqual({
      ...generated,
      url: placeholder,
      as_token: placeholder,
      hs_token: placeholder,
      namespaces: { ...generated.namespaces, users: [{ exclusive: true, regex: "@agent_.*:CHANGE_ME_SERVER_NAME" }] },
    });
  });

  it("is refused as a registration, naming the file, the fields and the command that fills it", async () => {
    const file = path.join(await tempDir(), "registration.yaml");
    await copyFile(REGISTRATION_TEMPLATE_FILE, file);
    const error = await problemOf(loadRegistration(file));
    expect(error.file).toBe(file);
    expect(error.message).toContain("as_token");
    expect(error.message).toContain("hs_token");
    expect(error.message).toContain(`aachat registration --url APPSERVICE_URL --server-name SERVER_NAME -o ${file}`);
  });

  it("a written registration keeps the template's comments, loads back the same, and is its owner's only", async () => {
    const file = path.join(await tempDir(), "registration.yaml");
    await writeRegistration(file, generated);
    const text = await readFile(file, "utf8");
    expect(text).toContain("# What the homeserver sends with every transaction");
    expect(text).not.toContain("CHANGE_ME");
    expect(text).not.toContain("a TEMPLATE");
    expect(await loadRegistration(file)).toEqual(generated);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("a registration with fields the template lacks is written whole", async () => {
    const file = path.join(await tempDir(), "registration.yaml");
    const extended = { ...generated, "de.sorunome.msc2409.push_ephemeral": true };
    await writeRegistration(file, extended);
    expect(await loadRegistration(file)).toEqual(extended);
  });
});

describe("placeholders in the appservice config", () => {
  it("are refused, naming the file and the key", async () => {
    const file = path.join(await tempDir(), "aachat.yaml");
    await writeFile(
      file,
      "homeserver:\n  url: http://127.0.0.1:8008\n  serverName: localhost\n" +
        "appservice:\n  url: http://127.0.0.1:8090\n" +
        "database:\n  url: postgresql://aachat:CHANGE_ME_PASSWORD@db:5432/aachat\n",
    );
    const error = await problemOf(loadConfigFile(file));
    expect(error.message).toBe(`${file}: database.url: still a CHANGE_ME placeholder; set a real value`);
  });
});
