import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findFreePort, registerUser } from "@aachat/synapse";
import {
  agent,
  createAgentResponse,
  meResponse,
  member,
  project,
  rotateTokenResponse,
  signal,
  statusResponse,
  stream,
  team,
  teamDetail,
} from "@aachat/api";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import type { CliResult } from "../support/cli.ts";

const AACHAT_BIN = fileURLToPath(new URL("../../cli/bin/aachat.js", import.meta.url));

interface TestUser {
  username: string;
  userId: string;
  password: string;
  accessToken: string;
  /** AACHAT_CONFIG_DIR of this user's CLI. */
  configDir: string;
}

let service: TestAppservice;
let serverUrl: string;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  service = await startTestAppservice();
  serverUrl = service.appservice.url;
  [alice, bob] = await Promise.all([newUser("alice"), newUser("bob")]);
  for (const user of [alice, bob]) {
    const login = await loginWithPassword(user, user.password);
    expect(login.code, login.stderr).toBe(0);
  }
});

afterAll(async () => {
  await service?.appservice.close();
});

describe("aachat login", () => {
  it("logs in with a password from stdin, makes the personal team and stores the login for its owner only", async () => {
    const user = await newUser("carol", path.join("nested", "aachat"));
    const result = await loginWithPassword(user, user.password);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Logged in as ${user.userId} (personal team ~${user.username})\n`);

    const file = path.join(user.configDir, "credentials.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(user.configDir)).mode & 0o777).toBe(0o700);
    const stored = z
      .object({
        homeserverUrl: z.string(),
        serverUrl: z.string(),
        userId: z.string(),
        accessToken: z.string(),
        deviceId: z.string(),
      })
      .parse(JSON.parse(await readFile(file, "utf8")));
    expect(stored).toMatchObject({ homeserverUrl: inject("stack").homeserverUrl, serverUrl, userId: user.userId });

    const whoami = await cli(user, ["whoami", "--json"]);
    expect(whoami.code, whoami.stderr).toBe(0);
    const me = meResponse.parse(JSON.parse(whoami.stdout));
    expect(me.userId).toBe(user.userId);
    expect(me.personalTeam).toMatchObject({ slug: `~${user.username}`, kind: "personal", myRole: "owner" });
    // The access token is a secret: no command prints it.
    expect(result.stdout + result.stderr + whoami.stdout + whoami.stderr).not.toContain(stored.accessToken);
  });

  it("refuses a wrong password and writes nothing", async () => {
    const user = await newUser("dave");
    const result = await loginWithPassword(user, "not-the-password");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: wrong user name or password\n");
    expect(result.stdout).toBe("");
    expect(existsSync(path.join(user.configDir, "credentials.json"))).toBe(false);
  });

  it("logs in with an access token checked by the homeserver", async () => {
    const user = await newUser("erin");
    const result = await cli(user, ["login", ...urls(), "--token", user.accessToken, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(meResponse.parse(JSON.parse(result.stdout)).userId).toBe(user.userId);

    const other = await newUser("erin");
    const refused = await cli(other, ["login", ...urls(), "--token", "not-a-token"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: the homeserver at .* does not accept this token\n$/);
    expect(existsSync(path.join(other.configDir, "credentials.json"))).toBe(false);
  });

  it("says the aachat server is unreachable, and stores nothing", async () => {
    const user = await newUser("frank");
    const closedUrl = `http://127.0.0.1:${await findFreePort()}`;
    const result = await cli(
      user,
      [
        "login",
        "--homeserver",
        inject("stack").homeserverUrl,
        "--server",
        closedUrl,
        "-u",
        user.username,
        "--password-stdin",
      ],
      user.password,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: cannot reach the aachat server at ${closedUrl}; is \`aachat up\` running?\n`);
    expect(existsSync(path.join(user.configDir, "credentials.json"))).toBe(false);
  });

  it("logs out: the token stops working and the stored login is gone", async () => {
    const user = await newUser("gina");
    expect((await loginWithPassword(user, user.password)).code).toBe(0);
    const file = path.join(user.configDir, "credentials.json");
    const { accessToken } = z.object({ accessToken: z.string() }).parse(JSON.parse(await readFile(file, "utf8")));

    const result = await cli(user, ["logout"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Logged out ${user.userId}.\n`);
    expect(existsSync(file)).toBe(false);
    const whoami = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(whoami.status).toBe(401);

    const notLoggedIn = await cli(user, ["team", "list"]);
    expect(notLoggedIn.code).toBe(1);
    expect(notLoggedIn.stderr).toBe("error: not logged in; run `aachat login`\n");
  });
});

describe("aachat team", () => {
  it("creates a team, adds a member, renames it and deletes it", async () => {
    const slug = `lab-${hex()}`;
    const created = await cli(alice, ["team", "create", slug, "--name", "Research", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(team.parse(JSON.parse(created.stdout))).toMatchObject({
      slug,
      name: "Research",
      kind: "organisation",
      myRole: "owner",
    });

    const listed = z.array(team).parse(JSON.parse((await cli(alice, ["team", "list", "--json"])).stdout));
    expect(listed.map((t) => t.slug)).toEqual(expect.arrayContaining([slug, `~${alice.username}`]));

    const added = await cli(alice, ["team", "member", "add", slug, bob.username, "--role", "member", "--json"]);
    expect(added.code, added.stderr).toBe(0);
    expect(member.parse(JSON.parse(added.stdout))).toEqual({ userId: bob.userId, role: "member" });

    const shown = await cli(alice, ["team", "show", slug, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = teamDetail.parse(JSON.parse(shown.stdout));
    expect(detail.members).toEqual(
      expect.arrayContaining([
        { userId: alice.userId, role: "owner" },
        { userId: bob.userId, role: "member" },
      ]),
    );

    const renamed = await cli(alice, ["team", "rename", slug, "Research Lab"]);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain("Research Lab");

    const table = await cli(alice, ["team", "list"]);
    expect(table.stdout).toMatch(/^TEAM\s+NAME\s+KIND\s+YOUR ROLE\n/);
    expect(table.stdout).toMatch(new RegExp(`^${slug}\\s+Research Lab\\s+organisation\\s+owner$`, "m"));

    const unconfirmed = await cli(alice, ["team", "delete", slug]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toBe("error: pass --yes to delete a team non-interactively\n");

    const deleted = await cli(alice, ["team", "delete", slug, "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const after = z.array(team).parse(JSON.parse((await cli(alice, ["team", "list", "--json"])).stdout));
    expect(after.map((t) => t.slug)).not.toContain(slug);
  });

  it("refuses a member who is not an admin, with the server's message", async () => {
    const slug = `guild-${hex()}`;
    expect((await cli(alice, ["team", "create", slug])).code).toBe(0);
    expect((await cli(alice, ["team", "member", "add", slug, bob.userId])).code).toBe(0);

    const refused = await cli(bob, ["team", "rename", slug, "Taken over"]);
    expect(refused.code).toBe(1);
    // One line, the server's message, no stack trace.
    expect(refused.stderr).toMatch(/^error: \S.*\n$/);
    expect(refused.stdout).toBe("");
    const detail = teamDetail.parse(JSON.parse((await cli(alice, ["team", "show", slug, "--json"])).stdout));
    expect(detail.team.name).not.toBe("Taken over");
  });

  it("refuses bad arguments before any request, naming the argument and the rule, with exit code 2", async () => {
    const badSlug = await cli(alice, ["team", "create", "Bad_Slug"]);
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toBe(
      "error: SLUG 'Bad_Slug' must be 2-39 lowercase letters, digits or '-', starting with a letter or digit\n",
    );
    const badRole = await cli(alice, ["team", "member", "add", "some-team", "bob", "--role", "king"]);
    expect(badRole.stderr).toBe("error: --role 'king' must be one of owner, admin, member\n");
    const badStream = await cli(alice, ["stream", "create", "No Spaces"]);
    expect(badStream.stderr).toBe(
      "error: NAME 'No Spaces' must be 1-63 lowercase letters, digits or '-', starting with a letter or digit\n",
    );
    const badAgent = await cli(alice, ["agent", "register", "9lives"]);
    expect(badAgent.stderr).toBe(
      "error: NAME '9lives' must be 2-32 lowercase letters, digits or '-', starting with a letter\n",
    );
    expect([badRole.code, badStream.code, badAgent.code]).toEqual([2, 2, 2]);

    // What commander itself refuses is a usage error too; asking for help is not.
    const unknownOption = await cli(alice, ["team", "list", "--bogus"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--bogus'");
    const missingArgument = await cli(alice, ["team", "create"]);
    expect(missingArgument.code).toBe(2);
    expect(missingArgument.stderr).toContain("missing required argument 'slug'");
    expect((await cli(alice, ["team", "--help"])).code).toBe(0);
  });
});

describe("aachat stream", () => {
  it("creates, lists, switches and archives a stream", async () => {
    const slug = `streams-${hex()}`;
    expect((await cli(alice, ["team", "create", slug])).code).toBe(0);
    const empty = await cli(alice, ["stream", "list", "--team", slug]);
    expect(empty.stdout).toBe(`No streams yet. Create one with \`aachat stream create NAME --team ${slug}\`\n`);

    const created = await cli(alice, ["stream", "create", "ideas", "--team", slug, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(stream.parse(JSON.parse(created.stdout))).toMatchObject({ team: slug, name: "ideas", humansOnly: true });

    const open = await cli(alice, ["stream", "set", "ideas", "--team", slug, "--no-humans-only", "--json"]);
    expect(open.code, open.stderr).toBe(0);
    expect(stream.parse(JSON.parse(open.stdout)).humansOnly).toBe(false);

    const listed = z
      .array(stream)
      .parse(JSON.parse((await cli(alice, ["stream", "list", "-t", slug, "--json"])).stdout));
    expect(listed.map((s) => s.name)).toContain("ideas");

    const archived = await cli(alice, ["stream", "archive", "ideas", "--team", slug, "--json"]);
    expect(archived.code, archived.stderr).toBe(0);
    expect(stream.parse(JSON.parse(archived.stdout)).archived).toBe(true);
  });
});

describe("aachat agent and project", () => {
  it("registers an agent, printing its runtime token once", async () => {
    const name = `rev-${hex()}`;
    const result = await cli(alice, ["agent", "register", name, "--display-name", "Reviewer"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("shown only now");
    const token = /^ {2}(\S+)$/m.exec(result.stdout)?.[1];
    expect(token).toBeDefined();
    expect(result.stdout.split(token!).length - 1).toBe(1);

    const listed = await cli(alice, ["agent", "list", "--json"]);
    const agents = z.array(agent).parse(JSON.parse(listed.stdout));
    expect(agents.find((a) => a.name === name)).toMatchObject({ displayName: "Reviewer", owner: alice.userId });
    const shown = await cli(alice, ["agent", "show", name, "--json"]);
    expect(agent.parse(JSON.parse(shown.stdout)).name).toBe(name);
    expect(listed.stdout + shown.stdout + (await cli(alice, ["agent", "list"])).stdout).not.toContain(token!);

    const rotated = await cli(alice, ["agent", "token", "rotate", name, "--json"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotateTokenResponse.parse(JSON.parse(rotated.stdout)).runtimeToken).not.toBe(token);
  });

  it("creates a project in the personal team and adds an agent to it", async () => {
    const agentName = `helper-${hex()}`;
    const registered = await cli(alice, ["agent", "register", agentName, "--json"]);
    expect(registered.code, registered.stderr).toBe(0);
    expect(createAgentResponse.parse(JSON.parse(registered.stdout)).agent.name).toBe(agentName);
    expect(registered.stderr).toContain("shown only now");

    const projectName = `site-${hex()}`;
    const created = await cli(alice, ["project", "create", projectName, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    expect(project.parse(JSON.parse(created.stdout))).toMatchObject({
      team: `~${alice.username}`,
      name: projectName,
      agents: [],
      archived: false,
    });

    const added = await cli(alice, ["project", "add-agent", projectName, agentName, "--json"]);
    expect(added.code, added.stderr).toBe(0);
    expect(project.parse(JSON.parse(added.stdout)).agents).toContain(agentName);

    const listed = await cli(alice, ["project", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`^${projectName}\\s+${agentName}\\s+active`, "m"));

    const signals = await cli(alice, ["agent", "signals", agentName, "--json"]);
    expect(signals.code, signals.stderr).toBe(0);
    expect(z.array(signal).parse(JSON.parse(signals.stdout))).toEqual([]);

    const status = await cli(alice, ["status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const parsed = statusResponse.parse(JSON.parse(status.stdout));
    expect(parsed.userId).toBe(alice.userId);
    expect(parsed.teams.find((t) => t.slug === `~${alice.username}`)?.projects).toBeGreaterThanOrEqual(1);
    expect(parsed.agents.find((a) => a.name === agentName)).toEqual({
      name: agentName,
      projects: 1,
      pendingSignals: 0,
    });

    const readable = await cli(alice, ["status"]);
    expect(readable.stdout).toContain(`Logged in as ${alice.userId}`);
    expect(readable.stdout).toMatch(new RegExp(`^ {2}${agentName}\\s+1\\s+0$`, "m"));
  });

  it("shows an agent's cost and sets its daily limit; a bad amount is a usage error", async () => {
    const agentName = `spender-${hex()}`;
    expect((await cli(alice, ["agent", "register", agentName])).code).toBe(0);
    const shown = await cli(alice, ["agent", "budget", agentName]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      "Cost: today $0.00 (0 tokens) · this week $0.00 (0 tokens) · in all $0.00 (0 tokens)",
    );
    expect(shown.stdout).toContain(`Daily limit: none; set one with \`aachat agent budget ${agentName} USD\``);

    const set = await cli(alice, ["agent", "budget", agentName, "$2.50"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("Daily limit: $2.50 a day (set by you)");

    for (const bad of [["abc"], ["-1"], ["2.505"], ["3", "--clear"]]) {
      const refused = await cli(alice, ["agent", "budget", agentName, ...bad]);
      expect(refused.code, bad.join(" ")).toBe(2);
      expect(refused.stderr).not.toContain("    at ");
    }
    const unchanged = await cli(alice, ["agent", "budget", agentName, "--json"]);
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ dailyLimitUsd: 2.5, limitSource: "owner" });

    const cleared = await cli(alice, ["agent", "budget", agentName, "--clear"]);
    expect(cleared.stdout).toContain("Daily limit: none");
  });

  it("joins a team member to a project's room (not only invites them)", async () => {
    const slug = `crew-${hex()}`;
    expect((await cli(alice, ["team", "create", slug])).code).toBe(0);
    expect((await cli(alice, ["team", "member", "add", slug, bob.username])).code).toBe(0);
    const created = await cli(alice, ["project", "create", "docs", "--team", slug, "--json"]);
    const { roomId } = project.parse(JSON.parse(created.stdout));

    const joined = await cli(bob, ["project", "join", "docs", "--team", slug]);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toBe(`Joined project docs in ${slug} (room ${roomId}).\n`);
    const membership = await fetch(
      `${inject("stack").homeserverUrl}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(bob.userId)}`,
      { headers: { authorization: `Bearer ${bob.accessToken}` } },
    );
    expect(await membership.json()).toMatchObject({ membership: "join" });
  });

  it("tells a new user how to start when there is nothing yet", async () => {
    const user = await newUser("hank");
    expect((await loginWithPassword(user, user.password)).code).toBe(0);
    expect((await cli(user, ["project", "list"])).stdout).toBe(
      `No projects yet. Create one with \`aachat project create NAME --team ~${user.username}\`\n`,
    );
    expect((await cli(user, ["agent", "list"])).stdout).toBe(
      "No agents yet. Create one with `aachat agent create NAME`\n",
    );
  });
});

describe("people land inside what they make", () => {
  it("joins the maker to their personal team, a new team, stream and project, and an agent's DM, marked direct", async () => {
    const user = await newUser("ivy");
    expect((await loginWithPassword(user, user.password)).code).toBe(0);
    const personal = await json<{ personalTeam: { spaceRoomId: string } }>(user, ["whoami", "--json"]);
    const slug = `land-${hex()}`;
    const team = await json<{ spaceRoomId: string }>(user, ["team", "create", slug, "--json"]);
    const stream = await json<{ roomId: string }>(user, ["stream", "create", "plans", "--team", slug, "--json"]);
    const project = await json<{ roomId: string }>(user, ["project", "create", "launch", "--team", slug, "--json"]);
    const agentName = `dm${hex()}`;
    const { agent } = await json<{ agent: { userId: string; dmRoomId: string } }>(user, [
      "agent",
      "register",
      agentName,
      "--json",
    ]);

    const joined = (await matrixGet<{ joined_rooms: string[] }>(user, "/joined_rooms")).joined_rooms;
    expect(joined).toEqual(
      expect.arrayContaining([
        personal.personalTeam.spaceRoomId,
        team.spaceRoomId,
        stream.roomId,
        project.roomId,
        agent.dmRoomId,
      ]),
    );
    const direct = await matrixGet<Record<string, string[]>>(
      user,
      `/user/${encodeURIComponent(user.userId)}/account_data/m.direct`,
    );
    expect(direct).toEqual({ [agent.userId]: [agent.dmRoomId] });
  });

  it("marks the agents' DMs as direct chats again at login (as after a reconcile recreated one)", async () => {
    const user = await newUser("jay");
    expect((await loginWithPassword(user, user.password)).code).toBe(0);
    const { agent } = await json<{ agent: { userId: string; dmRoomId: string } }>(user, [
      "agent",
      "register",
      `dm${hex()}`,
      "--json",
    ]);
    const route = `/user/${encodeURIComponent(user.userId)}/account_data/m.direct`;
    const cleared = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3${route}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(cleared.status).toBe(200);

    const again = await loginWithPassword(user, user.password);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe("");
    expect(await matrixGet<Record<string, string[]>>(user, route)).toEqual({ [agent.userId]: [agent.dmRoomId] });
  });
});

async function json<T>(user: TestUser, args: string[]): Promise<T> {
  const result = await cli(user, args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A client-server API read as the user, with the token they registered with (not the CLI's). */
async function matrixGet<T>(user: TestUser, route: string): Promise<T> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3${route}`, {
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function newUser(prefix: string, configSubdir = ""): Promise<TestUser> {
  const stack = inject("stack");
  const username = `${prefix}-${hex()}`;
  const password = randomBytes(12).toString("hex");
  const { userId, accessToken } = await registerUser({
    homeserverUrl: stack.homeserverUrl,
    sharedSecret: stack.registrationSharedSecret,
    username,
    password,
  });
  const configDir = path.join(await mkdtemp(path.join(tmpdir(), "aachat-cli-")), configSubdir);
  return { username, userId, password, accessToken, configDir };
}

function urls(): string[] {
  return ["--homeserver", inject("stack").homeserverUrl, "--server", serverUrl];
}

function loginWithPassword(user: TestUser, password: string): Promise<CliResult> {
  return cli(user, ["login", ...urls(), "-u", user.username, "--password-stdin"], `${password}\n`);
}

/** The real CLI as `user`; unlike runCli it can pipe `input` to stdin (for --password-stdin). */
function cli(user: TestUser, args: string[], input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [AACHAT_BIN, ...args], {
    env: { ...process.env, AACHAT_CONFIG_DIR: user.configDir },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? "");
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

function hex(): string {
  return randomBytes(3).toString("hex");
}
