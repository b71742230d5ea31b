import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseTarget, type RunningAppservice } from "@aachat/appservice";
import { registerUser } from "@aachat/synapse";
import { freshTestDatabase } from "../support/databases.ts";
import { startLossyProxy } from "../support/lossyProxy.ts";
import { startOwnHomeserver, type OwnHomeserver } from "../support/ownHomeserver.ts";
import { waitUntil } from "../support/waits.ts";

const silent = pino({ level: "silent" });

/** The messages a person in the room sees, oldest first. */
async function roomBodies(homeserver: OwnHomeserver, accessToken: string, roomId: string): Promise<string[]> {
  const url = new URL(`${homeserver.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`);
  url.searchParams.set("dir", "b");
  url.searchParams.set("limit", "100");
  url.searchParams.set("filter", JSON.stringify({ types: ["m.room.message"] }));
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(response.status).toBe(200);
  const { chunk } = (await response.json()) as { chunk: { content: { body?: string } }[] };
  return chunk.map((event) => event.content.body ?? "").reverse();
}

describe("a queued message whose fate was unknown when the stack went down", () => {
  let homeserver: OwnHomeserver;
  let appservice: RunningAppservice | undefined;
  let alice: { userId: string; accessToken: string };

  beforeAll(async () => {
    homeserver = await startOwnHomeserver();
    alice = await registerUser({
      homeserverUrl: homeserver.url,
      sharedSecret: homeserver.registrationSharedSecret,
      username: `alice-${randomBytes(4).toString("hex")}`,
      password: randomBytes(12).toString("hex"),
    });
  });

  afterAll(async () => {
    await appservice?.close();
    await homeserver?.dispose();
  });

  /** A room the bot made, with alice in it to read what it says. */
  async function roomWithAlice(running: RunningAppservice): Promise<string> {
    const roomId = await running.model.matrix.createRoom({ preset: "private_chat" });
    await running.model.matrix.invite(roomId, alice.userId);
    const joined = await fetch(`${homeserver.url}/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(joined.status).toBe(200);
    return roomId;
  }

  async function restartAppservice(database: DatabaseTarget, homeserverUrl?: string) {
    await appservice?.close();
    appservice = undefined;
    appservice = await homeserver.startAppservice(database, { homeserverUrl });
    return appservice;
  }

  it("is found in the room after the homeserver restarts, and not posted again", async () => {
    const database = await freshTestDatabase("outbound_found");
    const first = await restartAppservice(database);
    const bot = first.botUserId;
    const roomId = await roomWithAlice(first);
    const dedupeKey = `answer:${randomBytes(4).toString("hex")}`;
    const eventId = await first.model.outbound.send({
      roomId,
      sender: bot,
      type: "m.room.message",
      content: { msgtype: "m.notice", body: "The answer, streamed when the stack went down." },
      dedupeKey,
    });
    // Synapse forgets the transaction ids of appservices when it restarts: the same id
    // posts again. This is what the queue must not rely on.
    const probeRoom = await first.model.matrix.createRoom({ preset: "private_chat" });
    const probeTxn = `probe-${randomBytes(4).toString("hex")}`;
    const probe = { msgtype: "m.notice", body: "probe" };
    const probeBefore = await first.model.matrix.sendEvent(probeRoom, "m.room.message", probeTxn, probe, bot);
    await appservice!.close();
    appservice = undefined;

    // The crash this stands for: Synapse stored the event, the process died before the
    // answer reached the database. The row is left as that crash leaves it.
    const db = await openDatabase(database, silent);
    try {
      const row = await db.outboundMessage.findFirstOrThrow({ where: { roomId } });
      expect(row.attemptedAt, "the send was recorded as attempted before the request").not.toBeNull();
      await db.outboundMessage.update({ where: { seq: row.seq }, data: { sentAt: null, eventId: null } });
    } finally {
      await db.$disconnect();
    }
    await homeserver.kill();
    await homeserver.start();

    const second = await restartAppservice(database);
    const recorded = await waitUntil(
      "the restarted queue settles the message",
      async () => (await second.db.outboundMessage.findFirst({ where: { roomId, sentAt: { not: null } } })) ?? false,
      60_000,
    );
    expect(recorded.eventId).toBe(eventId);
    expect(recorded.lastError).toBeNull();
    expect(await roomBodies(homeserver, alice.accessToken, roomId)).toEqual([
      "The answer, streamed when the stack went down.",
    ]);

    const probeAfter = await second.model.matrix.sendEvent(probeRoom, "m.room.message", probeTxn, probe, bot);
    expect(probeAfter, "Synapse posted the same transaction id again after its restart").not.toBe(probeBefore);
    await second.model.outbound.flush(roomId);
  }, 240_000);

  it("is sent exactly once when the attempt never reached the homeserver", async () => {
    const database = await freshTestDatabase("outbound_unsent");
    const first = await restartAppservice(database);
    const bot = first.botUserId;
    const roomId = await roomWithAlice(first);
    await homeserver.kill();

    const body = "An answer sent while the homeserver was down.";
    const waiting = first.model.outbound.send({
      roomId,
      sender: bot,
      type: "m.room.message",
      content: { msgtype: "m.notice", body },
      dedupeKey: `answer:${randomBytes(4).toString("hex")}`,
    });
    const outcome = waiting.then(
      () => "sent",
      (error: unknown) => String(error),
    );
    await waitUntil(
      "the queue has tried to send it",
      async () =>
        (await first.db.outboundMessage.findFirst({ where: { roomId, attemptedAt: { not: null } } })) ?? false,
    );
    await appservice!.close();
    appservice = undefined;
    expect(await outcome).toMatch(/shutting down/);

    await homeserver.start();
    const second = await restartAppservice(database);
    const recorded = await waitUntil(
      "the restarted queue settles the message",
      async () => (await second.db.outboundMessage.findFirst({ where: { roomId, sentAt: { not: null } } })) ?? false,
      60_000,
    );
    expect(recorded.lastError).toBeNull();
    expect(recorded.eventId).toMatch(/^\$/);
    expect(await roomBodies(homeserver, alice.accessToken, roomId)).toEqual([body]);
  }, 240_000);

  it("is looked up, not sent again, when the answer to its send was lost on the way", async () => {
    const proxy = await startLossyProxy(homeserver.url);
    try {
      const database = await freshTestDatabase("outbound_lost");
      const running = await restartAppservice(database, proxy.url);
      const roomId = await roomWithAlice(running);
      const body = "An answer whose receipt was lost.";
      proxy.loseNextAnswer("PUT", /\/send\/m\.room\.message\//);
      const eventId = await running.model.outbound.send({
        roomId,
        sender: running.botUserId,
        type: "m.room.message",
        content: { msgtype: "m.notice", body },
        dedupeKey: `answer:${randomBytes(4).toString("hex")}`,
      });
      expect(
        proxy.seen.filter((line) => /^PUT .*\/send\//.test(line)),
        "sends of the message",
      ).toHaveLength(1);
      expect(proxy.seen.filter((line) => /^GET .*\/messages$/.test(line)).length, "look-ups").toBeGreaterThan(0);
      expect(await roomBodies(homeserver, alice.accessToken, roomId)).toEqual([body]);
      const row = await running.db.outboundMessage.findFirstOrThrow({ where: { roomId } });
      expect(row.eventId).toBe(eventId);
    } finally {
      await appservice?.close();
      appservice = undefined;
      await proxy.close();
    }
  }, 120_000);
});
