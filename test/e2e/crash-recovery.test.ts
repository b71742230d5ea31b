import { afterAll, describe, expect, it } from "vitest";
import { apiAs, uniqueName } from "../support/api.ts";
import { startAppserviceProcess } from "../support/appservice.ts";
import { freshTestDatabase, queryRows } from "../support/databases.ts";
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
    const database = await freshTestDatabase("crash");
    const started = await startAppserviceProcess(database);
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

    const signalCount = async () =>
      Number((await queryRows<{ n: number | string }>(database, `SELECT count(*) AS n FROM "Signal"`))[0]!.n);

    const sent: string[] = [];
    let killedAt: number | undefined;
    const killWhenHalfway = (async () => {
      await waitUntil("some signals are stored", async () => (await signalCount()) >= 20, 60_000);
      appservice.process.kill("SIGKILL");
      await appservice.stop();
      killedAt = await signalCount();
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
    const restarted = appservice;
    await waitUntil(`${MENTIONS} signals are stored`, async () => (await signalCount()) >= MENTIONS, 120_000).catch(
      (error: unknown) => {
        throw new Error(
          `${String(error)}\nthe restarted appservice said:\n${restarted.stdout()}${restarted.stderr()}`,
          { cause: error },
        );
      },
    );
    const rows = await queryRows<{ eventId: string }>(database, `SELECT "eventId" FROM "Signal"`);
    expect(rows).toHaveLength(MENTIONS);
    expect(new Set(rows.map((row) => row.eventId))).toEqual(new Set(sent));
  }, 240_000);
});
