import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { waitUntil } from "../support/waits.ts";

describe("the transaction endpoint", () => {
  let running: TestAppservice;
  let url: string;

  beforeAll(async () => {
    running = await startTestAppservice();
    url = running.appservice.url;
  });

  afterAll(async () => {
    await running?.appservice.close();
  });

  const event = (roomId: string) => ({
    event_id: `$${randomUUID()}`,
    room_id: roomId,
    type: "m.room.message",
    sender: "@someone:localhost",
    content: { msgtype: "m.text", body: "hello" },
    origin_server_ts: Date.now(),
  });

  const put = (txnId: string, body: unknown, token?: string) =>
    fetch(`${url}/_matrix/app/v1/transactions/${txnId}`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("refuses a wrong hs_token with 403 and stores nothing", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const response = await put(randomUUID(), { events: [event(roomId)] }, "not-the-hs-token-at-all-0000000000");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ errcode: "M_FORBIDDEN" });
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(0);
  });

  it("refuses a request without a token with 401 and stores nothing", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const response = await put(randomUUID(), { events: [event(roomId)] });
    expect(response.status).toBe(401);
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(0);
  });

  it("has stored the events durably by the time it answers 200, and a retried transaction once", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const txnId = randomUUID();
    const body = { events: [event(roomId), event(roomId)] };
    const first = await put(txnId, body, running.registration.hs_token);
    expect(first.status).toBe(200);
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(2);

    const retry = await put(txnId, body, running.registration.hs_token);
    expect(retry.status).toBe(200);
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(2);
    expect(await running.appservice.db.inboundTransaction.count({ where: { txnId } })).toBe(1);
  });

  it("stores and handles the new events of a reused transaction id (Synapse numbers from 1 again after a restart)", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const txnId = "1";
    const before = await put(txnId, { events: [event(roomId)] }, running.registration.hs_token);
    expect(before.status).toBe(200);
    const afterRestart = await put(txnId, { events: [event(roomId), event(roomId)] }, running.registration.hs_token);
    expect(afterRestart.status).toBe(200);
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(3);
    await waitUntil("every event of both transactions is handled", async () => {
      return (await running.appservice.db.inboundEvent.count({ where: { roomId, processedAt: { not: null } } })) === 3;
    });
  });

  it("refuses an event nested thousands of levels deep with 400 and keeps the transaction's other events", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const good = event(roomId);
    // Built as text: JSON.stringify itself cannot write this deep a value.
    const deepContent = `${'{"nested":'.repeat(5000)}{"body":"bottom"}${"}".repeat(5000)}`;
    const deepEvent = JSON.stringify({ ...event(roomId), content: "DEEP" }).replace('"DEEP"', deepContent);
    const response = await put(
      randomUUID(),
      `{"events":[${JSON.stringify(good)},${deepEvent}]}`,
      running.registration.hs_token,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errcode: string; error: string };
    expect(body.errcode).toBe("M_BAD_JSON");
    expect(body.error).toContain("events[1]: nested deeper than");
    const stored = await running.appservice.db.inboundEvent.findMany({ where: { roomId } });
    expect(stored.map((row) => row.eventId)).toEqual([good.event_id]);
  });

  it("answers a malformed transaction with 400 and stores nothing", async () => {
    const roomId = `!${randomUUID()}:localhost`;
    const response = await put(
      randomUUID(),
      { events: [{ room_id: roomId, type: "m.room.message" }] },
      running.registration.hs_token,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errcode: "M_BAD_JSON" });
    expect(await running.appservice.db.inboundEvent.count({ where: { roomId } })).toBe(0);
  });

  it("answers a body that is not JSON with 400 M_NOT_JSON", async () => {
    const response = await fetch(`${url}/_matrix/app/v1/transactions/${randomUUID()}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${running.registration.hs_token}` },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errcode: "M_NOT_JSON" });
  });
});
