import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, uniqueName, type Api } from "../support/api.ts";
import { asPuppet } from "../support/puppets.ts";
import { startTestAppservice, type TestAppservice } from "../support/appservice.ts";
import { createHuman, sendContent, stopHumans, type Human } from "../support/humans.ts";
import { agentInProject, projectScene, type SceneAgent } from "../support/projectScene.ts";
import { waitUntil } from "../support/waits.ts";

interface SignalBody {
  agent: string;
  team: string | null;
  project: string | null;
  roomId: string;
  eventId: string;
  threadRootId: string | null;
  sender: string;
  body: string;
}

describe("mentions become signals", () => {
  let running: TestAppservice;
  let alice: Human;
  let api: Api;
  let slug: string;
  let roomId: string;
  const reviewerDisplayName = "Rev Iewer";
  let reviewer: SceneAgent & { displayName: string };
  let builder: SceneAgent;
  let outsider: SceneAgent;

  const signalsFor = async (agent: string) =>
    (await api("GET", `/agents/${agent}/signals?pending=false`)).body as unknown as SignalBody[];
  /** Waits until the appservice has received and handled these events. */
  const processed = (...eventIds: string[]) =>
    waitUntil(
      `events ${eventIds.join(", ")} are processed`,
      async () =>
        (await running.appservice.db.inboundEvent.count({
          where: { eventId: { in: eventIds }, processedAt: { not: null } },
        })) === eventIds.length,
    );
  const sendAsPuppet = async (userId: string, content: Record<string, unknown>) =>
    (
      await asPuppet(
        running.registration,
        userId,
        "PUT",
        `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${Math.random()}`,
        content,
      )
    ).body.event_id!;

  beforeAll(async () => {
    running = await startTestAppservice();
    const scene = await projectScene(running.appservice.url);
    ({ alice, api, slug, roomId } = scene);
    const reviewerAgent = await agentInProject(scene, uniqueName("reviewer"), { displayName: reviewerDisplayName });
    reviewer = { ...reviewerAgent, displayName: reviewerDisplayName };
    builder = await agentInProject(scene, uniqueName("builder"));
    outsider = await agentInProject(scene, uniqueName("outsider"), { inProject: false });
  });

  afterAll(async () => {
    stopHumans();
    await running?.appservice.close();
  });

  it("stores one signal per mentioned agent, with what the runtime needs", async () => {
    const { event_id } = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: `${reviewer.displayName}: please review`,
      "m.mentions": { user_ids: [reviewer.userId] },
    });
    const [signal] = await waitUntil("the reviewer's signal", async () => {
      const found = (await signalsFor(reviewer.name)).filter((s) => s.eventId === event_id);
      return found.length > 0 ? found : undefined;
    });
    expect(signal).toMatchObject({
      agent: reviewer.name,
      team: slug,
      project: "site",
      roomId,
      eventId: event_id,
      threadRootId: null,
      sender: alice.userId,
      body: `${reviewer.displayName}: please review`,
    });
    await processed(event_id);
    expect((await signalsFor(builder.name)).some((s) => s.eventId === event_id)).toBe(false);
  });

  it("finds mentions by pill and by display name, and records the thread", async () => {
    const root = await alice.client.sendTextMessage(roomId, "thread root");
    const pill = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "builder: ship it",
      format: "org.matrix.custom.html",
      formatted_body: `<a href="https://matrix.to/#/${builder.userId}">builder</a>: ship it`,
      "m.relates_to": {
        rel_type: "m.thread",
        event_id: root.event_id,
        is_falling_back: true,
        "m.in_reply_to": { event_id: root.event_id },
      },
    });
    const byName = await alice.client.sendTextMessage(roomId, `what do you think, rev iewer?`);
    await processed(pill.event_id, byName.event_id);
    const builderSignal = (await signalsFor(builder.name)).find((s) => s.eventId === pill.event_id);
    expect(builderSignal?.threadRootId).toBe(root.event_id);
    expect((await signalsFor(reviewer.name)).some((s) => s.eventId === byName.event_id)).toBe(true);
  });

  it("never asks an agent twice about an edited message, nor signals an agent's own message or an outsider", async () => {
    const original = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "hello reviewer",
      "m.mentions": { user_ids: [reviewer.userId] },
    });
    const edit = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: `* hello ${reviewer.displayName}`,
      "m.new_content": {
        msgtype: "m.text",
        body: `hello ${reviewer.displayName}`,
        "m.mentions": { user_ids: [reviewer.userId] },
      },
      "m.mentions": { user_ids: [reviewer.userId] },
      "m.relates_to": { rel_type: "m.replace", event_id: original.event_id },
    });
    const own = await sendAsPuppet(reviewer.userId, {
      msgtype: "m.text",
      body: `I am ${reviewer.displayName}`,
      "m.mentions": { user_ids: [reviewer.userId] },
    });
    const outsiderMention = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "hey",
      "m.mentions": { user_ids: [outsider.userId] },
    });
    await processed(original.event_id, edit.event_id, own, outsiderMention.event_id);
    const reviewerSignals = await signalsFor(reviewer.name);
    expect(reviewerSignals.filter((s) => s.eventId === original.event_id)).toHaveLength(1);
    expect(reviewerSignals.some((s) => s.eventId === own)).toBe(false);
    expect(reviewerSignals.length).toBe(new Set(reviewerSignals.map((s) => s.eventId)).size);
    expect((await signalsFor(outsider.name)).some((s) => s.eventId === outsiderMention.event_id)).toBe(false);
  });

  it("asks an agent that a human's edit newly mentions, once, in the original's thread", async () => {
    const root = await alice.client.sendTextMessage(roomId, "release thread");
    const inThread = { rel_type: "m.thread", event_id: root.event_id, is_falling_back: true };
    const original = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "can someone check the build?",
      "m.relates_to": { ...inThread, "m.in_reply_to": { event_id: root.event_id } },
    });
    /** Alice's edit of the original, adding a pill to `mentioned` as clients do. */
    const edit = (text: string, mentioned: string[]) => {
      const pills = mentioned.map((userId) => `<a href="https://matrix.to/#/${userId}">${userId}</a>`).join(" ");
      const content = {
        msgtype: "m.text",
        body: `${mentioned.join(" ")} ${text}`,
        format: "org.matrix.custom.html",
        formatted_body: `${pills} ${text}`,
        "m.mentions": { user_ids: mentioned },
      };
      return sendContent(alice, roomId, {
        ...content,
        body: `* ${content.body}`,
        "m.new_content": content,
        "m.relates_to": { rel_type: "m.replace", event_id: original.event_id },
      });
    };
    const added = await edit("can you check the build?", [builder.userId]);
    await processed(original.event_id, added.event_id);
    const asked = await waitUntil("builder is asked", async () =>
      (await signalsFor(builder.name)).find((s) => s.eventId === original.event_id),
    );
    expect(asked).toMatchObject({
      roomId,
      threadRootId: root.event_id,
      sender: alice.userId,
      body: `${builder.userId} can you check the build?`,
    });
    // Edited again, with a second agent added: only the newly mentioned one is asked.
    const again = await edit("can you both check the build?", [builder.userId, reviewer.userId]);
    await processed(again.event_id);
    expect((await signalsFor(builder.name)).filter((s) => s.eventId === original.event_id)).toHaveLength(1);
    expect((await signalsFor(reviewer.name)).filter((s) => s.eventId === original.event_id)).toHaveLength(1);

    // An edit by anyone but the sender is no edit (clients do not show it) and asks no one.
    const bob = await createHuman("bob");
    await api("PUT", `/teams/${slug}/members/${encodeURIComponent(bob.userId)}`, { role: "member" });
    expect((await apiAs(bob, running.appservice.url)("POST", `/teams/${slug}/projects/site/join`)).status).toBe(200);
    await waitUntil("bob is in the project", () =>
      bob.client.joinRoom(roomId).then(
        () => true,
        () => false,
      ),
    );
    const bobsMessage = await bob.client.sendTextMessage(roomId, "I will look later");
    const foreign = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: `* ${outsider.userId} ${builder.userId} look`,
      "m.new_content": {
        msgtype: "m.text",
        body: `${builder.userId} look`,
        "m.mentions": { user_ids: [builder.userId] },
      },
      "m.relates_to": { rel_type: "m.replace", event_id: bobsMessage.event_id },
    });
    await processed(bobsMessage.event_id, foreign.event_id);
    expect((await signalsFor(builder.name)).some((s) => s.eventId === bobsMessage.event_id)).toBe(false);
  });

  it("lets agents mention each other, but an agent's message never signals itself", async () => {
    const fromReviewer = await sendAsPuppet(reviewer.userId, {
      msgtype: "m.text",
      body: "builder, over to you",
      "m.mentions": { user_ids: [builder.userId, reviewer.userId] },
    });
    await processed(fromReviewer);
    expect((await signalsFor(builder.name)).some((s) => s.eventId === fromReviewer)).toBe(true);
    expect((await signalsFor(reviewer.name)).some((s) => s.eventId === fromReviewer)).toBe(false);
  });

  it("drops the pending signal of a redacted message", async () => {
    const { event_id } = await sendContent(alice, roomId, {
      msgtype: "m.text",
      body: "oops",
      "m.mentions": { user_ids: [reviewer.userId] },
    });
    await waitUntil("the signal", async () => (await signalsFor(reviewer.name)).some((s) => s.eventId === event_id));
    await alice.client.redactEvent(roomId, event_id);
    await waitUntil(
      "the signal is gone",
      async () => !(await signalsFor(reviewer.name)).some((s) => s.eventId === event_id),
    );
  });

  it("makes every message of the owner in an agent's DM a signal", async () => {
    const agent = (await api("GET", `/agents/${reviewer.name}`)).body as { dmRoomId: string };
    await alice.client.joinRoom(agent.dmRoomId);
    const { event_id } = await alice.client.sendTextMessage(agent.dmRoomId, "can you look at the failing build?");
    const signal = await waitUntil("the DM signal", async () =>
      (await signalsFor(reviewer.name)).find((s) => s.eventId === event_id),
    );
    expect(signal).toMatchObject({
      team: null,
      project: null,
      roomId: agent.dmRoomId,
      body: "can you look at the failing build?",
    });
  });
});
