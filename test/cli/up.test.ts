import { readFile, stat, writeFile, mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort, isPortFree } from "@aachat/synapse";
import { runCli, spawnCli, type CliProcess } from "../support/cli.ts";

async function login(homeserverUrl: string, user: string, password: string): Promise<number> {
  const response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
  });
  return response.status;
}

describe("aachat up: the whole embedded stack from one command", () => {
  let dataDir: string;
  let synapsePort: number;
  let appservicePort: number;
  let stack: CliProcess | undefined;
  const args = () => [
    "up",
    "--data-dir",
    dataDir,
    "--port",
    String(appservicePort),
    "--synapse-port",
    String(synapsePort),
  ];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "aachat-up-"));
    [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
  });

  afterAll(async () => {
    await stack?.stop("SIGTERM");
  });

  it("starts Synapse and the appservice, creates an admin and prints how to log in; Ctrl-C stops both", async () => {
    stack = spawnCli(args());
    await stack.waitForOutput("aachat is up.");
    const homeserverUrl = `http://127.0.0.1:${synapsePort}`;
    expect(stack.stdout()).toContain(`homeserver: ${homeserverUrl}`);
    const password = /password: (\S+)/.exec(stack.stdout())?.[1];
    expect(password).toBeDefined();
    expect(await login(homeserverUrl, "admin", password!)).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${appservicePort}/health`)).json()).toEqual({ status: "ok" });
    expect((await stat(path.join(dataDir, "admin-credentials.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, "registration.yaml"))).mode & 0o777).toBe(0o600);

    expect(await stack.stop("SIGINT")).toBe(0);
    stack = undefined;
    expect(await isPortFree("127.0.0.1", synapsePort)).toBe(true);
    expect(await isPortFree("127.0.0.1", appservicePort)).toBe(true);
  });

  it("lets `aachat login` find the running stack's ports without being told them", async () => {
    const { password } = JSON.parse(await readFile(path.join(dataDir, "admin-credentials.json"), "utf8")) as {
      password: string;
    };
    stack = spawnCli(args());
    await stack.waitForOutput("aachat is up.");
    const homeserverUrl = `http://127.0.0.1:${synapsePort}`;
    const response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const configDir = await mkdtemp(path.join(tmpdir(), "aachat-login-"));
    const env = { AACHAT_DATA_DIR: dataDir, AACHAT_CONFIG_DIR: configDir };

    const loggedIn = await runCli(["login", "--token", token], env);
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    expect(loggedIn.stdout).toMatch(/^Logged in as @admin:localhost/);
    const stored = JSON.parse(await readFile(path.join(configDir, "credentials.json"), "utf8")) as {
      homeserverUrl: string;
      serverUrl: string;
    };
    expect(stored).toMatchObject({ homeserverUrl, serverUrl: `http://127.0.0.1:${appservicePort}` });

    expect(await stack.stop("SIGTERM")).toBe(0);
    stack = undefined;
    // A stopped stack leaves no record of ports that nothing listens on any more.
    await expect(stat(path.join(dataDir, "running.json"))).rejects.toThrow(/ENOENT/);
  });

  it("reuses the same data directory, tokens and users on a second start", async () => {
    const registrationBefore = await readFile(path.join(dataDir, "registration.yaml"), "utf8");
    const { password } = JSON.parse(await readFile(path.join(dataDir, "admin-credentials.json"), "utf8")) as {
      password: string;
    };
    stack = spawnCli(args());
    await stack.waitForOutput("aachat is up.");
    expect(stack.stdout()).toContain(`(password in ${path.join(dataDir, "admin-credentials.json")})`);
    expect(stack.stdout()).not.toContain(password);
    expect(await readFile(path.join(dataDir, "registration.yaml"), "utf8")).toBe(registrationBefore);
    expect(await login(`http://127.0.0.1:${synapsePort}`, "admin", password)).toBe(200);
    expect(await stack.stop("SIGTERM")).toBe(0);
    stack = undefined;
  });

  it("keeps no one out at a local team's pace: a dozen logins, a typo and a burst of messages", async () => {
    const { password } = JSON.parse(await readFile(path.join(dataDir, "admin-credentials.json"), "utf8")) as {
      password: string;
    };
    stack = spawnCli(args());
    await stack.waitForOutput("aachat is up.");
    const homeserverUrl = `http://127.0.0.1:${synapsePort}`;
    // Synapse's public defaults answer 429 from the fourth login of one address on.
    expect(await login(homeserverUrl, "admin", "a typo")).toBe(403);
    const logins = [];
    for (let index = 0; index < 12; index++) logins.push(await login(homeserverUrl, "admin", password));
    expect(logins).toEqual(Array.from({ length: 12 }, () => 200));

    const response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: "admin" }, password }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const call = (method: string, route: string, body: unknown) =>
      fetch(`${homeserverUrl}/_matrix/client/v3${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const { room_id: roomId } = (await (await call("POST", "/createRoom", {})).json()) as { room_id: string };
    // Public defaults allow a burst of 10 messages, then one every five seconds.
    const sent = [];
    for (let index = 0; index < 30; index++) {
      const route = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/burst-${index}`;
      sent.push((await call("PUT", route, { msgtype: "m.text", body: `quick ${index}` })).status);
    }
    expect(sent).toEqual(Array.from({ length: 30 }, () => 200));
    expect(await stack.stop("SIGTERM")).toBe(0);
    stack = undefined;
  });

  it("refuses a port in use with a clear message and starts nothing", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(appservicePort, "127.0.0.1", resolve));
    try {
      const result = await runCli(args());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`127.0.0.1:${appservicePort}`);
      expect(result.stderr).toContain("--port");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await isPortFree("127.0.0.1", synapsePort)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("refuses an invalid config with one line naming the key and the file, and starts nothing", async () => {
    const configFile = path.join(dataDir, "aachat.yaml");
    const original = await readFile(configFile, "utf8");
    await writeFile(configFile, original.replace("logging:", "colour: blue\nlogging:"));
    try {
      const result = await runCli(args());
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`error: ${configFile}: colour: unknown key`);
      expect(await isPortFree("127.0.0.1", synapsePort)).toBe(true);
    } finally {
      await writeFile(configFile, original);
    }
  });

  it("reports a Synapse that fails to start with the last lines of its log, and leaves nothing running", async () => {
    const synapseConfig = path.join(dataDir, "synapse", "homeserver.yaml");
    const original = await readFile(synapseConfig, "utf8");
    await writeFile(synapseConfig, `${original}\nmax_upload_size: "not a size"\n`);
    try {
      const result = await runCli(args());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Synapse failed to start");
      expect(result.stderr).toContain("homeserver.log");
      expect(result.stderr).toMatch(/max_upload_size|not a size/);
      expect(await isPortFree("127.0.0.1", synapsePort)).toBe(true);
      expect(await isPortFree("127.0.0.1", appservicePort)).toBe(true);
    } finally {
      await writeFile(synapseConfig, original);
    }
  });

  it("doctor reports a healthy setup while the stack runs", async () => {
    stack = spawnCli(args());
    await stack.waitForOutput("aachat is up.");
    const result = await runCli(["doctor", "--data-dir", dataDir, "--json"]);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: { name: string; status: string; detail: string }[];
    };
    expect(report.checks.map((check) => check.name)).toEqual([
      "node",
      "python",
      "synapse",
      "claude code",
      "config",
      "sqlite driver",
      "registration",
      "homeserver port",
      "appservice port",
      "homeserver",
    ]);
    expect(report.checks.filter((check) => check.status === "fail")).toEqual([]);
    expect(report.checks.find((check) => check.name === "homeserver")?.detail).toContain("accepts the registration");
    expect(result.code).toBe(0);
    await stack.stop("SIGTERM");
    stack = undefined;
  });

  it("doctor names a broken registration and exits non-zero", async () => {
    const registrationFile = path.join(dataDir, "registration.yaml");
    const original = await readFile(registrationFile, "utf8");
    await writeFile(registrationFile, original.replace(/hs_token: .*/, "hs_token: short"));
    try {
      const result = await runCli(["doctor", "--data-dir", dataDir]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/✗ registration\s+.*hs_token: must be at least 16 characters/);
    } finally {
      await writeFile(registrationFile, original);
    }
  });
});
