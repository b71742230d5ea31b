import { randomBytes } from "node:crypto";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RuntimeClient } from "@aachat/runtime";
import type { SignalPayload } from "@aachat/protocol";
import { apiAs, uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { runCli } from "../support/cli.ts";
import { createPostgresDatabase, queryRows } from "../support/databases.ts";
import { createHuman, sendContent, stopHumans } from "../support/humans.ts";
import { waitForMembership, waitUntil } from "../support/waits.ts";

const logger = pino({ level: "silent" });

/** `aachat db copy`: an embedded (SQLite) install's state moved to PostgreSQL, and the appservice going on there. */
describe("moving the appservice from SQLite to PostgreSQL", () => {
  let running: TestAppservice | undefined;

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("copies everything, and the appservice goes on on PostgreSQL where it left off", async () => {
    const sqliteFile = path.join(inject("stack").workDir, `before-move-${randomBytes(4).toString("hex")}.db`);
    running = await startTestAppservice({ database: { kind: "sqlite", sqliteFile } });
    const alice = await createHuman("alice");
    const api = apiAs(alice, running.appservice.url);
    const slug = uniqueName("moving");
    const agentName = uniqueName("mover");
    await api("POST", "/teams", { slug, name: "Moving Co" });
    await api("POST", `/teams/${slug}/streams`, { name: "general" });
    const roomId = (await api<{ roomId: string }>("POST", `/teams/${slug}/projects`, { name: "site" })).body.roomId;
    const created = (
      await api<{ runtimeToken: string; agent: { userId: string } }>("POST", "/agents", { name: agentName })
    ).body;
    await api("PUT", `/teams/${slug}/projects/site/agents/${agentName}`);
    await alice.client.joinRoom(roomId);
    await waitForMembership(alice.client, roomId, created.agent.userId, "join");
    const { event_id: mentionId } = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "please look at this before the move",
      "m.mentions": { user_ids: [created.agent.userId] },
    });
    await waitUntil(
      "the mention is a signal",
      async () => (await api<unknown[]>("GET", `/agents/${agentName}/signals`)).body.length === 1,
    );
    const before = (await api("GET", `/teams/${slug}`)).body;
    await running.appservice.close();
    running = undefined;

    const url = await createPostgresDatabase(`moved_${randomBytes(4).toString("hex")}`);
    const copied = await runCli(["db", "copy", "--from", sqliteFile, "--to", url]);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(
      /^Copied \d+ rows in 15 tables into postgresql:\/\/postgres@127\.0\.0\.1:\d+\/moved_[0-9a-f]+ \(\d+\.\d s\)\.\n/,
    );
    expect(copied.stderr).toContain("  Signal: 1 rows");

    running = await startTestAppservice({ database: { kind: "postgresql", url } });
    const moved = apiAs(alice, running.appservice.url);
    expect((await moved("GET", `/teams/${slug}`)).body).toEqual(before);
    // New rows follow the copied ones.
    expect((await moved("POST", `/teams/${slug}/projects`, { name: "after-the-move" })).status).toBe(201);
    // The agent's runtime token still works, and the signal still waits for it.
    const received: SignalPayload[] = [];
    const client = new RuntimeClient({
      serverUrl: running.appservice.url,
      token: created.runtimeToken,
      logger,
      onSignal: async (signal) => void received.push(signal),
    });
    client.start();
    try {
      await waitUntil("the pending signal is delivered", async () => received.length === 1);
      expect(received[0]).toMatchObject({ eventId: mentionId, team: slug, project: "site", kind: "mention" });
    } finally {
      await client.stop();
    }
    await running.appservice.close();
    running = undefined;
  });

  it("refuses a target that already holds aachat data, a missing source and an unreachable server, changing nothing", async () => {
    const sqliteFile = path.join(inject("stack").workDir, `refused-${randomBytes(4).toString("hex")}.db`);
    running = await startTestAppservice({ database: { kind: "sqlite", sqliteFile } });
    await apiAs(await createHuman("bob"), running.appservice.url)("POST", "/teams", { slug: uniqueName("bobs") });
    await running.appservice.close();
    running = undefined;
    const url = await createPostgresDatabase(`refused_${randomBytes(4).toString("hex")}`);
    expect((await runCli(["db", "copy", "--from", sqliteFile, "--to", url])).code).toBe(0);
    const teams = async () =>
      Number((await queryRows<{ n: string }>({ kind: "postgresql", url }, `SELECT count(*) AS n FROM "Team"`))[0]!.n);
    const count = await teams();

    const again = await runCli(["db", "copy", "--from", sqliteFile, "--to", url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /\nerror: the target database already holds aachat data \(\d+ rows in \w+\); copy into an empty database\n$/,
    );
    expect(await teams()).toBe(count);

    const missing = await runCli(["db", "copy", "--from", "/nowhere/aachat.db", "--to", url]);
    expect(missing.stderr).toContain(
      "error: /nowhere/aachat.db does not exist; give the appservice's SQLite file (data/aachat.db)",
    );
    const unreachable = await runCli([
      "db",
      "copy",
      "--from",
      sqliteFile,
      "--to",
      "postgresql://aachat@127.0.0.1:1/aachat",
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      "error: cannot use the PostgreSQL database postgresql://aachat@127.0.0.1:1/aachat:",
    );
    const badUrl = await runCli(["db", "copy", "--from", sqliteFile, "--to", "mysql://x"]);
    expect(badUrl.stderr).toBe("error: --to must be a postgresql://user:password@host:port/database URL\n");
  });
});
