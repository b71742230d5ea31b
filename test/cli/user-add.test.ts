import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "@aachat/synapse";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCli, spawnCli, type CliProcess } from "../support/cli.ts";
import { waitUntil } from "../support/waits.ts";

const AACHAT_BIN = fileURLToPath(new URL("../../cli/bin/aachat.js", import.meta.url));

/** The CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
function inTerminal(args: string[]) {
  const command = [process.execPath, AACHAT_BIN, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    output: () => output,
    exited,
    /** Waits for the text on the terminal, then types the line. */
    answer: async (prompt: string, line: string) => {
      await waitUntil(`the terminal shows "${prompt}" (so far: ${JSON.stringify(output)})`, () =>
        Promise.resolve(output.includes(prompt)),
      );
      output = output.slice(output.indexOf(prompt) + prompt.length);
      child.stdin.write(`${line}\r`);
    },
  };
}

interface Login {
  status: number;
  accessToken?: string;
}

async function login(homeserverUrl: string, user: string, password: string): Promise<Login> {
  const response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, accessToken: body.access_token };
}

/** Whether the token's user may use Synapse's admin API (what `--admin` grants). */
async function isSynapseAdmin(homeserverUrl: string, userId: string, accessToken: string): Promise<boolean> {
  const response = await fetch(`${homeserverUrl}/_synapse/admin/v2/users/${encodeURIComponent(userId)}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (response.status === 403) return false;
  expect(response.status).toBe(200);
  return ((await response.json()) as { admin: boolean }).admin;
}

describe("aachat user add: people on the embedded homeserver", () => {
  let dataDir: string;
  let homeserverUrl: string;
  let stack: CliProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "aachat-user-"));
    const [synapsePort, appservicePort] = [await findFreePort(), await findFreePort()];
    homeserverUrl = `http://127.0.0.1:${synapsePort}`;
    // Nothing runs yet: the command says so and what to do instead.
    const early = await runCli(["user", "add", "early", "--password", "pw-early", "--data-dir", dataDir]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`no aachat stack is running on ${dataDir}`);
    expect(early.stderr).toContain("on your own homeserver use its admin tools");
    expect(early.stderr).not.toMatch(/\n\s+at /);

    stack = spawnCli([
      "up",
      "--data-dir",
      dataDir,
      "--port",
      String(appservicePort),
      "--synapse-port",
      String(synapsePort),
    ]);
    await stack.waitForOutput("aachat is up.");
  });

  afterAll(async () => {
    await stack?.stop("SIGTERM");
  });

  const add = (args: string[]) => runCli(["user", "add", ...args, "--data-dir", dataDir]);

  it("adds a person who can then sign in with their password, and says where", async () => {
    const result = await add(["alice", "--password", "alice-secret-1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Added @alice:localhost.");
    expect(result.stdout).toContain(`homeserver ${homeserverUrl}, user alice`);
    expect(result.stdout).not.toContain("alice-secret-1");

    const alice = await login(homeserverUrl, "alice", "alice-secret-1");
    expect(alice.status).toBe(200);
    expect(await isSynapseAdmin(homeserverUrl, "@alice:localhost", alice.accessToken!)).toBe(false);
  });

  it("makes up a password when there is no terminal to ask, and prints it once", async () => {
    const result = await add(["bob", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const added = JSON.parse(result.stdout) as { userId: string; generatedPassword: string; homeserverUrl: string };
    expect(added).toMatchObject({ userId: "@bob:localhost", homeserverUrl, admin: false });
    expect((await login(homeserverUrl, "bob", added.generatedPassword)).status).toBe(200);
  });

  it("--admin makes a homeserver admin", async () => {
    const result = await add(["carol", "--admin", "--password", "carol-secret-1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Added @carol:localhost (homeserver admin).");
    const carol = await login(homeserverUrl, "carol", "carol-secret-1");
    expect(carol.status).toBe(200);
    expect(await isSynapseAdmin(homeserverUrl, "@carol:localhost", carol.accessToken!)).toBe(true);
  });

  it("refuses a name that is taken, and the person who has it keeps their password", async () => {
    const result = await add(["alice", "--password", "someone-else-2", "--admin"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: 'alice' is taken on ${homeserverUrl}: pick another name (nothing was changed)`,
    );
    expect((await login(homeserverUrl, "alice", "someone-else-2")).status).toBe(403);
    const alice = await login(homeserverUrl, "alice", "alice-secret-1");
    expect(alice.status).toBe(200);
    expect(await isSynapseAdmin(homeserverUrl, "@alice:localhost", alice.accessToken!)).toBe(false);
  });

  it("refuses an invalid or reserved name as a usage error, registering nobody", async () => {
    for (const [name, message] of [
      ["Dave", "'Dave' is not a valid user name"],
      ["@dave:localhost", "without '@' and server"],
      ["agent_dave", "'agent_dave' is reserved"],
    ] as const) {
      const result = await add([name, "--password", "dave-secret-1"]);
      expect(result.code, name).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect((await login(homeserverUrl, "dave", "dave-secret-1")).status).toBe(403);
    expect((await login(homeserverUrl, "agent_dave", "dave-secret-1")).status).toBe(403);
  });

  it("asks for the password twice on a terminal, and adds nobody when the two differ", async () => {
    const typo = inTerminal(["user", "add", "erin", "--data-dir", dataDir]);
    await typo.answer("Password for erin", "erin-secret-1");
    await typo.answer("Again", "erin-secret-2");
    expect(await typo.exited).toBe(1);
    expect(typo.output()).toContain("the passwords differ; nothing was changed");
    expect((await login(homeserverUrl, "erin", "erin-secret-1")).status).toBe(403);

    const terminal = inTerminal(["user", "add", "erin", "--data-dir", dataDir]);
    await terminal.answer("Password for erin", "erin-secret-1");
    await terminal.answer("Again", "erin-secret-1");
    expect(await terminal.exited).toBe(0);
    expect(terminal.output()).toContain("Added @erin:localhost.");
    expect(terminal.output()).not.toContain("erin-secret-1");
    expect((await login(homeserverUrl, "erin", "erin-secret-1")).status).toBe(200);
  });
});
