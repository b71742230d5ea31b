import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/api.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { stopHumans } from "../support/humans.ts";
import { agentInProject, projectScene, type ProjectScene, type SceneAgent } from "../support/projectScene.ts";
import { waitUntil } from "../support/waits.ts";

const ROOMS = 3;
const MENTIONS_PER_ROOM = 60;
const EVENTS_PER_TRANSACTION = 100;

interface Event {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  redacts?: string;
  origin_server_ts: number;
}

/** What one room's events must leave behind when handled once each, in order. */
interface Expected {
  roomId: string;
  signalled: string[];
  log: string[];
}

describe("the inbox, handling several rooms at once", () => {
  let running: TestAppservice;
  let scene: ProjectScene;
  let helper: SceneAgent;
  let critic: SceneAgent;

  beforeAll(async () => {
    running = await startTestAppservice();
    scene = await projectScene(running.appservice.url, "first");
    helper = await agentInProject(scene, uniqueName("helper"));
    critic = await agentInProject(scene, uniqueName("critic"));
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("handles each room's events once and in order, whatever the other rooms send meanwhile", async () => {
    const rooms = [scene.roomId];
    for (let i = 1; i < ROOMS; i++) {
      const name = `more-${i}`;
      const { roomId } = (await scene.api("POST", `/teams/${scene.slug}/projects`, { name })).body as {
        roomId: string;
      };
      for (const agent of [helper, critic])
        await scene.api("PUT", `/teams/${scene.slug}/projects/${name}/agents/${agent.name}`);
      rooms.push(roomId);
    }

    let clock = Date.now();
    const event = (roomId: string, sender: string, fields: Partial<Event>): Event => ({
      event_id: `$${randomUUID()}`,
      room_id: roomId,
      type: "m.room.message",
      sender,
      content: {},
      origin_server_ts: clock++,
      ...fields,
    });
    const text = (roomId: string, sender: string, body: string, mentions: string[] = []) =>
      event(roomId, sender, { content: { msgtype: "m.text", body, "m.mentions": { user_ids: mentions } } });
    const human = scene.alice.userId;

    const perRoom: Event[][] = [];
    const expected: Expected[] = [];
    for (const roomId of rooms) {
      const events: Event[] = [];
      const want: Expected = { roomId, signalled: [], log: [] };
      for (let i = 0; i < MENTIONS_PER_ROOM; i++) {
        const asked = text(roomId, human, `task ${i}`, [helper.userId]);
        events.push(asked);
        // Every third mention is taken back: handled before its mention, the signal would stay.
        if (i % 3 === 0) {
          events.push(
            event(roomId, human, {
              type: "m.room.redaction",
              redacts: asked.event_id,
              content: { redacts: asked.event_id },
            }),
          );
        } else {
          want.signalled.push(asked.event_id);
          want.log.push(`task ${i}`);
        }
      }
      // Agents mentioning each other count hops until a human writes: one left at the end,
      // two if the last were handled twice, none if it came before the human's message.
      const hops = [
        text(roomId, critic.userId, `${helper.userId} over to you`, [helper.userId]),
        text(roomId, critic.userId, `${helper.userId} and again`, [helper.userId]),
        text(roomId, human, "let me step in"),
        text(roomId, critic.userId, `${helper.userId} once more`, [helper.userId]),
      ];
      events.push(...hops);
      want.signalled.push(hops[0]!.event_id, hops[1]!.event_id, hops[3]!.event_id);
      want.log.push(...hops.map((hop) => hop.content.body as string));
      // An answer edited after it was sent: the log keeps the last text.
      const draft = text(roomId, critic.userId, "draft");
      const edit = event(roomId, critic.userId, {
        content: {
          msgtype: "m.text",
          body: "* final",
          "m.new_content": { msgtype: "m.text", body: "final" },
          "m.relates_to": { rel_type: "m.replace", event_id: draft.event_id },
        },
      });
      events.push(draft, edit);
      want.log.push("final");
      perRoom.push(events);
      expected.push(want);
    }

    // The rooms' events interleaved, as a homeserver pushes them, in several transactions.
    const all: Event[] = [];
    for (let i = 0; perRoom.some((events) => i < events.length); i++) {
      for (const events of perRoom) if (i < events.length) all.push(events[i]!);
    }
    for (let first = 0; first < all.length; first += EVENTS_PER_TRANSACTION) {
      const response = await fetch(`${running.appservice.url}/_matrix/app/v1/transactions/${randomUUID()}`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${running.registration.hs_token}` },
        body: JSON.stringify({ events: all.slice(first, first + EVENTS_PER_TRANSACTION) }),
      });
      expect(response.status).toBe(200);
    }
    const db = running.appservice.db;
    const ids = all.map((e) => e.event_id);
    await waitUntil(
      `the ${all.length} events are handled`,
      async () =>
        (await db.inboundEvent.count({ where: { eventId: { in: ids }, processedAt: { not: null } } })) === ids.length,
      60_000,
    );

    expect(await db.inboundEvent.count({ where: { eventId: { in: ids }, attempts: { gt: 0 } } })).toBe(0);
    for (const want of expected) {
      const signals = await db.signal.findMany({ where: { roomId: want.roomId } });
      expect(new Set(signals.map((s) => s.eventId)), `signals in ${want.roomId}`).toEqual(new Set(want.signalled));
      expect(signals).toHaveLength(want.signalled.length);
      const hops = await db.threadHops.findUnique({
        where: { roomId_threadKey: { roomId: want.roomId, threadKey: "" } },
      });
      expect(hops?.hops, `agent hops in ${want.roomId}`).toBe(1);
      const log = await db.roomMessage.findMany({ where: { roomId: want.roomId }, orderBy: { id: "asc" } });
      expect(
        log.map((m) => m.body),
        `room log of ${want.roomId}`,
      ).toEqual(want.log);
    }
  }, 120_000);
});
