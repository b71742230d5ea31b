import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { apiAs, uniqueName } from "../support/api.ts";
import { startAppserviceProcess } from "../support/appservice.ts";
import type { CliProcess } from "../support/cli.ts";
import { createHuman, sendContent, stopHumans, type Human } from "../support/humans.ts";
import { waitForMembership, waitUntil } from "../support/waits.ts";

const MENTIONS = 200;

describe("nothing lost, nothing twice", () => {
  let appservice: CliProcess | undefined;

  afterAll(async () => {
    stopHumans();
    await appservice?.stop("SIGTERM");
  });

  it("yields exactly one signal per mention when the appservice is SIGKILLed in the middle of 200 mentions", async () => {
    const sqliteFile = path.join(inject("stack").workDir, `crash-${randomBytes(4).toString("hex")}.db`);
    const started = await startAppserviceProcess(sqliteFile);
    appservice = started.process;
    const alice: Human = await createHuman("alice");
    const api = apiAs(alice, started.url);
    const slug = uniqueName("crash");
    const agentName = uniqueName("worker");
    await api("POST", "/teams", { slug });
    const roomId = ((await api("POST", `/teams/${slug}/projects`, { name: "load" })).body as { roomId: string }).roomId;
    const agentUserId = ((await api("POST", "/agents", { name: agentName })).body as { agent: { userId: string } })
      .agent.userId;
    await alice.client.joinRoom(roomId);
    await api("PUT", `/teams/${slug}/projects/load/agents/${agentName}`);
    await waitForMembership(alice.client, roomId, agentUserId, "join");

    const db = new Database(sqliteFile, { readonly: true });
    const signalCount = () => (db.prepare(`SELECT count(*) AS n FROM "Signal"`).get() as { n: number }).n;

    const sent: string[] = [];
    let killedAt: number | undefined;
    const killWhenHalfway = (async () => {
      await waitUntil("some signals are stored", async () => signalCount() >= 20, 60_000);
      appservice!.process.kill("SIGKILL");
      await appservice!.stop();
      killedAt = signalCount();
    })();
    for (let i = 0; i < MENTIONS; i++) {
      const { event_id } = await sendContent(alice, roomId, {
        msgtype: "m.text",
        body: `task ${i}`,
        "m.mentions": { user_ids: [agentUserId] },
      });
      sent.push(event_id);
    }
    await killWhenHalfway;
    expect(killedAt, "killed before every signal was stored").toBeLessThan(MENTIONS);

    appservice = await started.restart();
    await waitUntil(`${MENTIONS} signals are stored`, async () => signalCount() >= MENTIONS, 120_000);
    const rows = db.prepare(`SELECT "eventId" FROM "Signal"`).all() as { eventId: string }[];
    db.close();
    expect(rows).toHaveLength(MENTIONS);
    expect(new Set(rows.map((row) => row.eventId))).toEqual(new Set(sent));
  }, 240_000);
});
