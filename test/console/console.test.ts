import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { inject } from "vitest";
import { registerUser } from "@aachat/synapse";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { asPuppet } from "../support/puppets.ts";
import { agentRepo, startRuntime } from "../support/runtimeScene.ts";
import { waitUntil } from "../support/waits.ts";
import { ARTIFACTS_DIR, PHONE, launchChromium, loginForm, newPage, screenshot, signIn } from "./browser.ts";

interface User {
  username: string;
  password: string;
  userId: string;
  accessToken: string;
}

describe("the admin console", () => {
  let running: TestAppservice;
  let browser: Browser;
  let consoleUrl: string;
  let user: User;
  let api: Api;
  const team = uniqueName("team");
  const agentName = uniqueName("scribe");
  let agentToken = "";
  const pages: Page[] = [];

  const openPage = async () => {
    const page = await newPage(browser);
    pages.push(page);
    return page;
  };
  /** A page signed in on the Agents view, and the agent's row in it. */
  const openAgents = async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    await page.getByRole("link", { name: "Agents" }).click();
    const agentRow = page
      .getByRole("list", { name: "Agents" })
      .locator("li")
      .filter({ hasText: `@agent_${agentName}` });
    return { page, agentRow };
  };

  beforeAll(async () => {
    const stack = inject("stack");
    running = await startTestAppservice();
    consoleUrl = `${running.appservice.url}/`;
    const username = `carol-${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username,
      password,
    });
    user = { username, password, userId: registered.userId, accessToken: registered.accessToken };
    api = apiAs(user, running.appservice.url);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.appservice.close();
  });

  it("serves the shell with a strict CSP, the bundled script and its config", async () => {
    const shell = await fetch(consoleUrl);
    const csp = shell.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${new URL(inject("stack").homeserverUrl).origin}`);
    expect(await shell.text()).toContain("<aachat-app>");
    const script = await fetch(`${running.appservice.url}/console.js`);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(script.headers.get("cache-control")).toBe("no-cache");
    const body = Buffer.from(await script.arrayBuffer());
    const config = await (await fetch(`${running.appservice.url}/console/config.json`)).json();
    expect(config).toEqual({ homeserverUrl: inject("stack").homeserverUrl, serverName: "localhost" });
    expect((await fetch(`${running.appservice.url}/health`)).status).toBe(200);
    await recordMetric({ bundleBytes: body.length, bundleGzipBytes: gzipSync(body).length });
  });

  it("says so next to the form when the password is wrong, and shows the user and their personal team after signing in", async () => {
    const page = await openPage();
    await page.goto(consoleUrl);
    await loginForm(page).waitFor();
    const firstRenderMs = await page.evaluate(
      () => performance.getEntriesByName("aachat-login-form-rendered")[0]?.startTime ?? -1,
    );
    await recordMetric({ loginFormRenderedMs: Math.round(firstRenderMs) });
    await screenshot(page, "login");

    await loginForm(page).getByLabel("User name").fill(user.username);
    await loginForm(page).getByLabel("Password").fill("not-the-password");
    await loginForm(page).getByRole("button", { name: "Sign in" }).click();
    await loginForm(page).getByRole("alert").filter({ hasText: "Wrong user name or password." }).waitFor();

    await signIn(page, consoleUrl, user);
    await page.getByRole("list", { name: "Teams" }).getByText(`~${user.username}`).waitFor();
  });

  it("creates a team, then a stream and a project in it", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    const createTeam = page.getByRole("form", { name: "Create a team" });
    await createTeam.getByLabel("Slug").fill(team);
    await createTeam.getByLabel("Name").fill("Console Crew");
    await createTeam.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "Console Crew" }).waitFor();

    const createStream = page.getByRole("form", { name: "Create a stream" });
    await createStream.getByLabel("Stream name").fill("general");
    await createStream.getByRole("button", { name: "Create stream" }).click();
    await page.getByRole("list", { name: "Streams" }).getByText("#general").waitFor();

    const createProject = page.getByRole("form", { name: "Create a project" });
    await createProject.getByLabel("Project name").fill("site");
    await createProject.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("article", { name: "Project site" }).waitFor();

    const detail = await api<{ streams: { name: string; humansOnly: boolean }[]; projects: { name: string }[] }>(
      "GET",
      `/teams/${team}`,
    );
    expect(detail.body.streams).toMatchObject([{ name: "general", humansOnly: true }]);
    expect(detail.body.projects).toMatchObject([{ name: "site" }]);

    await screenshot(page, "team");
    await page.setViewportSize(PHONE);
    await screenshot(page, "team-phone");

    await page.getByRole("link", { name: "Teams", exact: true }).click();
    await page.getByRole("list", { name: "Teams" }).getByText(team).waitFor();
  });

  it("registers an agent, shows its token once, and adds it to the project", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByText("No agents yet.").waitFor();

    const register = page.getByRole("form", { name: "Register an agent" });
    await register.getByLabel("Name", { exact: true }).fill(agentName);
    await register.getByLabel("Display name").fill("Scribe");
    await register.getByRole("button", { name: "Register agent" }).click();
    const panel = page.getByRole("region", { name: `Runtime token for ${agentName}` });
    const token = (await panel.getByLabel("Runtime token").textContent())?.trim() ?? "";
    expect(token.length).toBeGreaterThan(20);
    agentToken = token;
    await page.getByRole("list", { name: "Agents" }).getByText(`@agent_${agentName}:localhost`).waitFor();

    await screenshot(page, "agents-token");
    await panel.getByRole("button", { name: "Dismiss" }).click();
    await panel.waitFor({ state: "detached" });
    expect(await page.getByText(token).count()).toBe(0);
    await screenshot(page, "agents");

    await page.goto(`${consoleUrl}#/teams/${team}`);
    const project = page.getByRole("article", { name: "Project site" });
    await project.getByLabel("Your agent").selectOption(agentName);
    await project.getByRole("button", { name: "Add agent" }).click();
    await project.getByRole("list", { name: "Agents in site" }).getByText(agentName).waitFor();

    const fromApi = await api<{ agents: string[] }>("GET", `/teams/${team}/projects/site`);
    expect(fromApi.body.agents).toEqual([agentName]);
  });

  it("lands the maker inside what they made: joined to its rooms in Matrix, the agent's DM marked direct", async () => {
    const me = await api<{ personalTeam: { spaceRoomId: string } }>("GET", "/me");
    const detail = await api<{
      team: { spaceRoomId: string };
      streams: { roomId: string }[];
      projects: { roomId: string }[];
    }>("GET", `/teams/${team}`);
    const agent = await api<{ userId: string; dmRoomId: string }>("GET", `/agents/${agentName}`);
    const made = [
      me.body.personalTeam.spaceRoomId,
      detail.body.team.spaceRoomId,
      ...detail.body.streams.map((stream) => stream.roomId),
      ...detail.body.projects.map((project) => project.roomId),
      agent.body.dmRoomId,
    ];
    expect(made).toHaveLength(5);
    const joined = await waitUntil("the console joined its user to the team, stream, project and DM", async () => {
      const rooms = await joinedRooms(user);
      return made.every((roomId) => rooms.includes(roomId)) && rooms;
    });
    expect(joined).toEqual(expect.arrayContaining(made));
    expect(await directChats(user)).toEqual({ [agent.body.userId]: [agent.body.dmRoomId] });
  });

  it("at sign-in, joins aachat's pending invitations only, and marks the agent's DM again", async () => {
    const stack = inject("stack");
    // A team made through the API leaves its space as a pending invitation; another person's
    // room is an invitation aachat knows nothing of and must stay pending.
    const elsewhere = uniqueName("made-elsewhere");
    const created = await api<{ spaceRoomId: string }>("POST", "/teams", { slug: elsewhere });
    expect(created.status).toBe(201);
    const stranger = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username: `stranger-${randomBytes(4).toString("hex")}`,
      password: randomBytes(12).toString("hex"),
    });
    const strangersRoom = await createRoomAs(stranger, { invite: [user.userId], name: "Not aachat's" });
    // As if a reconcile had recreated the DM room: the user's m.direct no longer lists it.
    await matrixAs(user, "PUT", `/user/${encodeURIComponent(user.userId)}/account_data/m.direct`, {});
    const agent = await api<{ userId: string; dmRoomId: string }>("GET", `/agents/${agentName}`);

    const page = await openPage();
    await signIn(page, consoleUrl, user);
    await waitUntil("the console joined the space of the team made elsewhere", async () =>
      (await joinedRooms(user)).includes(created.body.spaceRoomId),
    );
    await waitUntil("the console marked the agent's DM again", async () => {
      const direct = await directChats(user);
      return direct[agent.body.userId]?.includes(agent.body.dmRoomId) === true;
    });
    expect(await directChats(user)).toEqual({ [agent.body.userId]: [agent.body.dmRoomId] });
    expect(await joinedRooms(user)).not.toContain(strangersRoom);
    expect(await page.getByRole("status", { name: "Notes" }).count()).toBe(0);
    await screenshot(page, "signed-in-landed");
  });

  it("keeps a team it could not join the user to, and says to accept the invitation in their Matrix client", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    // The homeserver drops out for joins only: the team is still made, by the aachat server.
    await page.route("**/_matrix/client/v3/join/**", (route) => route.abort("connectionrefused"));
    const slug = uniqueName("unjoined");
    const createTeam = page.getByRole("form", { name: "Create a team" });
    await createTeam.getByLabel("Slug").fill(slug);
    await createTeam.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: slug }).waitFor();
    const note = page.getByRole("status", { name: "Notes" });
    await note
      .getByText(`Could not join team ${slug}'s space`)
      .filter({ hasText: "Accept the invitation in your Matrix client." })
      .waitFor();
    await screenshot(page, "team-join-note");

    const made = await api<{ team: { spaceRoomId: string } }>("GET", `/teams/${slug}`);
    expect(made.status).toBe(200);
    expect(await joinedRooms(user)).not.toContain(made.body.team.spaceRoomId);
    await note.getByRole("button", { name: "Dismiss" }).click();
    await note.waitFor({ state: "detached" });
  });

  it("shows the agent's runtime going online and offline, and a team made elsewhere, without reloading", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    await page.locator("header").getByRole("status", { name: "Live updates" }).getByText("Live").waitFor();
    await page.getByRole("link", { name: "Agents" }).click();
    const badge = page.getByRole("status", { name: `Runtime of ${agentName}` });
    await badge.getByText("Offline").waitFor();

    const ws = new WebSocket(`${running.appservice.url.replace(/^http/, "ws")}/runtime/v1/socket`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    await badge.getByText(/^Online since /).waitFor();
    await screenshot(page, "agents-live");
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      ws.close();
    });
    await badge.getByText("Offline").waitFor();

    await page.getByRole("link", { name: "Teams", exact: true }).click();
    await page.getByRole("list", { name: "Teams" }).getByText(team).waitFor();
    const elsewhere = uniqueName("elsewhere");
    expect((await api("POST", "/teams", { slug: elsewhere, name: "Made Elsewhere" })).status).toBe(201);
    await page.getByRole("list", { name: "Teams" }).getByText("Made Elsewhere").waitFor();
  });

  it("starts and stops a session from the console: the runtime receives it, and its state and log show live", async () => {
    const { repoDir } = await agentRepo(agentName);
    const { runtime } = await startRuntime({
      serverUrl: running.appservice.url,
      agent: { name: agentName, token: agentToken },
      repoDir,
    });
    try {
      const { page, agentRow } = await openAgents();
      await agentRow.getByText(/Runtime 0\.1\.0 on \w+, pid \d+/).waitFor();
      await agentRow.getByText("No session is running.").waitFor();

      const start = agentRow.getByRole("form", { name: `Start a session of ${agentName}` });
      expect(await start.getByRole("checkbox", { name: `${team}/site` }).isChecked()).toBe(true);
      await start.getByRole("button", { name: "Start session" }).click();
      const session = agentRow.getByRole("list", { name: `Sessions of ${agentName}` }).locator("li");
      await session.getByRole("status").getByText("Ready").waitFor();
      await session.getByText(`${team}/site`).waitFor();
      const [received] = runtime.status().sessions;
      expect(received).toMatchObject({ status: "ready", projects: [{ team, name: "site" }] });
      // The scripted agent starts in mode default with model sonnet, as Claude Code announces them.
      const settings = session.getByLabel(`Mode and model of session ${received!.id}`);
      await settings.waitFor();
      expect(await settings.textContent()).toBe("mode default · model sonnet");
      await screenshot(page, "agents-runtime");

      await agentRow.getByText("Runtime log").click();
      await agentRow
        .getByLabel(`Log of ${agentName}`)
        .getByText(/INFO {2}session ready/)
        .waitFor();
      await screenshot(page, "agents-runtime-log");
      await page.setViewportSize(PHONE);
      await screenshot(page, "agents-runtime-phone");

      await session.getByRole("button", { name: `Stop session ${received!.id}` }).click();
      await agentRow.getByText("No session is running.").waitFor();
      expect(runtime.status().sessions).toEqual([]);
    } finally {
      await runtime.stop("stop");
    }
  });

  it("shows what an agent has cost and lets its owner set its daily limit", async () => {
    const { page, agentRow } = await openAgents();
    const costs = agentRow.getByRole("table", { name: `Cost of ${agentName}` });
    await costs.getByRole("row", { name: new RegExp(`^${agentName} \\$0\\.00`) }).waitFor();

    const form = agentRow.getByRole("form", { name: `Daily cost limit of ${agentName}` });
    await form.getByLabel("Daily limit (USD)").fill("-3");
    await form.getByRole("button", { name: "Set limit" }).click();
    // The browser refuses a negative amount before anything is sent.
    const limitInput = form.getByLabel("Daily limit (USD)");
    expect(await limitInput.evaluate((input) => (input as HTMLInputElement).validity.rangeUnderflow)).toBe(true);
    expect((await api("GET", `/agents/${agentName}/usage`)).body).toMatchObject({ dailyLimitUsd: null });

    await form.getByLabel("Daily limit (USD)").fill("2.5");
    await form.getByRole("button", { name: "Set limit" }).click();
    await form.getByText("set here").waitFor();
    expect((await api("GET", `/agents/${agentName}/usage`)).body).toMatchObject({
      dailyLimitUsd: 2.5,
      limitSource: "owner",
    });
    await screenshot(page, "agents-cost");

    await form.getByRole("button", { name: "Use environment.yaml's" }).click();
    await form.getByText("no limit").waitFor();
    expect((await api("GET", `/agents/${agentName}/usage`)).body).toMatchObject({
      dailyLimitUsd: null,
      limitSource: null,
    });
  });

  it("switches humans_only off and on, and the homeserver follows", async () => {
    const detail = await api<{ streams: { roomId: string }[] }>("GET", `/teams/${team}`);
    const roomId = detail.body.streams[0]!.roomId;
    const agentUserId = `@agent_${agentName}:localhost`;
    // The agent may join and read: the user joins, invites it, and it joins as itself.
    await matrixAs(user, "POST", `/join/${encodeURIComponent(roomId)}`, {});
    await matrixAs(user, "POST", `/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: agentUserId });
    const joined = await asPuppet(running.registration, agentUserId, "POST", `/join/${encodeURIComponent(roomId)}`, {});
    expect(joined.status).toBe(200);
    let txn = 0;
    const agentSends = async () =>
      (
        await asPuppet(
          running.registration,
          agentUserId,
          "PUT",
          `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/console-${++txn}`,
          { msgtype: "m.text", body: "hello" },
        )
      ).status;
    const humansOnlyFromApi = async () =>
      (await api<{ humansOnly: boolean }[]>("GET", `/teams/${team}/streams`)).body[0]?.humansOnly;

    expect(await agentSends()).toBe(403);
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    await page.goto(`${consoleUrl}#/teams/${team}`);
    const toggle = page.getByRole("checkbox", { name: "Humans only: general" });
    expect(await toggle.isChecked()).toBe(true);

    await toggle.uncheck();
    await expect.poll(humansOnlyFromApi).toBe(false);
    await expect.poll(agentSends).toBe(200);

    await toggle.check();
    await expect.poll(humansOnlyFromApi).toBe(true);
    await expect.poll(agentSends).toBe(403);
  });

  it("logs out: the session is cleared and a reload shows the login form", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    const stored = await page.evaluate(() => sessionStorage.getItem("aachat.console.session"));
    const { accessToken } = JSON.parse(stored ?? "{}") as { accessToken: string };
    await page.getByRole("button", { name: "Log out" }).click();
    await loginForm(page).waitFor();
    await page.reload();
    await loginForm(page).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    const whoami = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(whoami.status).toBe(401);
  });

  it("says it is reconnecting when the appservice stops", async () => {
    const page = await openPage();
    await signIn(page, consoleUrl, user);
    const live = page.locator("header").getByRole("status", { name: "Live updates" });
    await live.getByText("Live").waitFor();
    await running.appservice.close();
    await live.getByText("Reconnecting…").waitFor();
    await screenshot(page, "reconnecting");
  });
});

/** A client-server API call as the user, with their own access token. */
async function matrixAs(user: User, method: string, route: string, body: unknown): Promise<void> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3${route}`, {
    method,
    headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route} as ${user.userId}: HTTP ${response.status}`);
}

/** The rooms the user is joined to, read with their own token. */
async function joinedRooms(user: Pick<User, "accessToken">): Promise<string[]> {
  return (await matrixGet<{ joined_rooms: string[] }>(user, "/joined_rooms")).joined_rooms;
}

/** The user's m.direct account data: their direct chats by the other person's user id. */
async function directChats(user: Pick<User, "accessToken" | "userId">): Promise<Record<string, string[]>> {
  return matrixGet(user, `/user/${encodeURIComponent(user.userId)}/account_data/m.direct`);
}

async function matrixGet<T>(user: Pick<User, "accessToken">, route: string): Promise<T> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3${route}`, {
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  if (!response.ok) throw new Error(`GET ${route}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function createRoomAs(creator: Pick<User, "accessToken">, body: unknown): Promise<string> {
  const response = await fetch(`${inject("stack").homeserverUrl}/_matrix/client/v3/createRoom`, {
    method: "POST",
    headers: { authorization: `Bearer ${creator.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`createRoom: HTTP ${response.status}`);
  return ((await response.json()) as { room_id: string }).room_id;
}

const metrics: Record<string, number> = {};

/** Figures worth reporting (bundle size, first render), written next to the screenshots. */
async function recordMetric(values: Record<string, number>): Promise<void> {
  Object.assign(metrics, values);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await writeFile(path.join(ARTIFACTS_DIR, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
}
