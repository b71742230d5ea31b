import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerUser } from "@aachat/synapse";
import { RUNTIME_BIN, runtimePaths } from "@aachat/runtime/local";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";
import { createHuman, sendContent, stopHumans, type Human } from "../support/humans.ts";
import { scratchDir, scriptedAgentCommand, waitForFinalReply } from "../support/runtimeScene.ts";
import { waitForMembership } from "../support/waits.ts";

/** `aachat agent start|stop|status|logs|restart|compact` with a real runtime process in the background. */
describe("the agent runtime commands", () => {
  let service: TestAppservice;
  let owner: Human;
  let api: Api;
  let env: Record<string, string>;
  let slug: string;
  let roomId: string;
  let name: string;
  let agentUserId: string;
  const cli = (...args: string[]) => runCli(args, env);
  const ask = (body: string) =>
    sendContent(owner, roomId, { msgtype: "m.text", body, "m.mentions": { user_ids: [agentUserId] } });

  beforeAll(async () => {
    service = await startTestAppservice();
    const stack = inject("stack");
    const username = uniqueName("owner");
    const registered = await registerUser({
      homeserverUrl: stack.homeserverUrl,
      sharedSecret: stack.registrationSharedSecret,
      username,
      password: "correct horse battery",
    });
    owner = await createHuman("watcher"); // a second client only to watch the room; the owner acts through the CLI
    env = {
      AACHAT_CONFIG_DIR: await scratchDir("cli-config"),
      AACHAT_AGENTS_DIR: await scratchDir("cli-agents"),
      AACHAT_RUNTIME_DIR: await scratchDir("cli-runtimes"),
    };
    expect(
      (
        await cli(
          "login",
          "--homeserver",
          stack.homeserverUrl,
          "--server",
          service.appservice.url,
          "--token",
          registered.accessToken,
        )
      ).code,
    ).toBe(0);
    api = apiAs({ accessToken: registered.accessToken }, service.appservice.url);
    slug = uniqueName("team");
    await api("POST", "/teams", { slug });
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(owner.userId)}`, { role: "member" });
    roomId = (await api<{ roomId: string }>("POST", `/teams/${slug}/projects`, { name: "site" })).body.roomId;
    await apiAs(owner, service.appservice.url)("POST", `/teams/${slug}/projects/site/join`);
    await owner.client.joinRoom(roomId);
    name = uniqueName("bot");
    const created = await cli("agent", "create", name, "--display-name", "Bot");
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(
      `It is kept on this machine for \`aachat agent start\` (${runtimePaths(name, env).token}`,
    );
    agentUserId = (await api<{ userId: string }>("GET", `/agents/${name}`)).body.userId;
    expect((await cli("project", "add-agent", "site", name, "--team", slug)).code).toBe(0);
    await waitForMembership(owner.client, roomId, agentUserId, "join");
  });

  afterAll(async () => {
    await cli("agent", "stop", "--all");
    stopHumans();
    await service?.appservice.close();
  });

  it("starts the runtime in the background and a session, and the agent answers in chat", async () => {
    const started = await cli(
      "agent",
      "start",
      name,
      "-p",
      `${slug}/site`,
      "--acp-command",
      scriptedAgentCommand().join(" "),
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(`The runtime of ${name} is running (pid `);
    expect(started.stdout).toMatch(
      new RegExp(
        `^Started session s[0-9a-f]{8} covering ${slug}/site: ready \\(scripted-agent\\) · mode default · model sonnet( · [^\\n]*)?\\n$`,
      ),
    );

    const reply = waitForFinalReply(owner.client, roomId, agentUserId);
    await ask("Bot, ping [reply:pong]");
    expect((await reply).body).toBe("pong");

    const again = await cli("agent", "start", name, "-p", "site");
    expect(again.stdout).toMatch(/^Already running: session s[0-9a-f]{8} covering/);
    const status = await cli("agent", "status", name);
    expect(status.stdout).toMatch(
      new RegExp(
        `^The runtime of ${name} is running \\(pid \\d+, version 0\\.1\\.0, since .*, \\d+ MiB\\), connected\\.\\n  session s[0-9a-f]{8} covering ${slug}/site: ready \\(scripted-agent\\) · mode default · model sonnet( · [^\\n]*)?\\n`,
      ),
    );
    const json = JSON.parse((await cli("agent", "status", "--json")).stdout) as {
      name: string;
      status: { connected: boolean };
    }[];
    expect(json).toEqual([expect.objectContaining({ name, status: expect.objectContaining({ connected: true }) })]);
  });

  it("will not start a second runtime of the same agent", async () => {
    const second = spawn(process.execPath, [RUNTIME_BIN, name], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    second.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
    expect(code).toBe(75);
    expect(stderr).toMatch(new RegExp(`the runtime of ${name} is already running \\(pid \\d+\\)`));
  });

  it("shows the runtime's log as readable lines", async () => {
    const logs = await cli("agent", "logs", name, "-n", "200");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\d\d:\d\d:\d\d INFO {2}runtime started .*version=0\.1\.0/m);
    expect(logs.stdout).toMatch(/INFO {2}turn ended .*stopReason=end_turn/);
    expect(logs.stdout).not.toContain("aart_");
    const raw = await readFile(runtimePaths(name, env).log, "utf8");
    expect(raw).not.toMatch(/aart_[A-Za-z0-9_-]{20,}/);
  });

  it("compacts and restarts its sessions, and resumes them when the runtime comes back after a shutdown", async () => {
    expect((await cli("agent", "compact", name)).stdout).toMatch(new RegExp(`^Compacted ${name}/s[0-9a-f]{8}\\.\\n$`));
    const restarted = await cli("agent", "restart", name);
    expect(restarted.stdout).toMatch(
      /: session s[0-9a-f]{8} covering .*: ready \(scripted-agent, conversation resumed\) · mode default · model sonnet/,
    );

    // A shutdown (SIGTERM, as at a reboot) keeps the sessions; `start --all` (and `aachat up`) brings them back.
    const { pid } = JSON.parse((await cli("agent", "status", name, "--json")).stdout).status as { pid: number };
    process.kill(pid, "SIGTERM");
    await waitForExit(pid);
    expect((await cli("agent", "status", name)).stdout).toContain("is not running on this machine");
    const resumed = await cli("agent", "start", "--all");
    expect(resumed.stdout).toBe(`Started the runtimes of ${name}.\n`);
    const reply = waitForFinalReply(owner.client, roomId, agentUserId, (body) => body.startsWith("session "));
    await ask("Bot [whoami]");
    expect((await reply).body).toMatch(/loaded=true/);

    // `agent stop --all` keeps the sessions the same way: `start --all` brings back what was running.
    expect((await cli("agent", "stop", "--all")).stdout).toBe(
      `Stopped the runtimes of ${name}; \`aachat agent start --all\` brings their sessions back.\n`,
    );
    expect((await cli("agent", "start", "--all")).stdout).toBe(`Started the runtimes of ${name}.\n`);
    const again = waitForFinalReply(owner.client, roomId, agentUserId, (body) => body.startsWith("session "));
    await ask("Bot [whoami]");
    expect((await again).body).toMatch(/loaded=true/);
  });

  it("stops the runtime: every session ends and nothing comes back at the next start", async () => {
    const stopped = await cli("agent", "stop", name);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe(`Stopped the runtime of ${name}.\n`);
    expect((await cli("agent", "stop", name)).stderr).toBe(
      `error: the runtime of ${name} is not running on this machine\n`,
    );
    expect((await cli("agent", "start", "--all")).stdout).toBe("No runtime to start: none had sessions.\n");
    const sessions = JSON.parse(await readFile(runtimePaths(name, env).sessions, "utf8")) as { sessions: unknown[] };
    expect(sessions.sessions).toEqual([]);
  });

  it("says what is missing instead of starting", async () => {
    const other = uniqueName("nobody");
    const unknown = await cli("agent", "start", other, "-p", "site");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no agent '${other}'`);
    const noProject = await cli("agent", "start", name, "-p", "Not A Project");
    expect(noProject.stderr).toBe("error: --project 'Not A Project' is not a project (PROJECT, or TEAM/PROJECT)\n");
    const badTimeout = await cli("agent", "start", name, "-p", "site", "--permission-timeout", "soon");
    expect(badTimeout.stderr).toBe("error: --permission-timeout must be whole seconds from 1 to 86400\n");
    expect(badTimeout.code).toBe(2);
    // A project the agent is not in is refused before a runtime starts: nothing is left running.
    const notItsProject = await cli("agent", "start", name, "-p", "elsewhere");
    expect(notItsProject.code).toBe(1);
    expect(notItsProject.stderr).toContain(`agent '${name}' is not in a project 'elsewhere'`);
    expect(notItsProject.stderr).not.toContain("Starting the runtime");
    expect((await cli("agent", "stop", name)).stderr).toBe(
      `error: the runtime of ${name} is not running on this machine\n`,
    );
    expect(path.isAbsolute(runtimePaths(name, env).dir)).toBe(true);
  });

  it("after a session fails on a mistyped --acp-command, starting with the right one just works", async () => {
    const mistyped = await cli("agent", "start", name, "-p", "site", "--acp-command", "/no/such/acp-agent");
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toContain("the session could not start");
    expect((await cli("agent", "status", name)).stdout).toContain("No sessions.");

    const fixed = await cli("agent", "start", name, "-p", "site", "--acp-command", scriptedAgentCommand().join(" "));
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain(`Restarting the runtime of ${name} with these settings (it has no session)…`);
    expect(fixed.stdout).toMatch(/^Started session s[0-9a-f]{8} covering .*: ready \(scripted-agent\)/);

    // With a session running, new settings wait for a stop: nothing running is cut short.
    const later = await cli("agent", "start", name, "-p", "site", "--acp-command", "/no/such/acp-agent");
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).toContain("its settings apply at its next start");
    expect(later.stdout).toMatch(/^Already running: session s[0-9a-f]{8} covering .*: ready \(scripted-agent\)/);
    expect((await cli("agent", "stop", name)).code).toBe(0);
  });
});

async function waitForExit(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
