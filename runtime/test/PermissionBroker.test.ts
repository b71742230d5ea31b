import type { RequestPermissionRequest } from "@agentclientprotocol/sdk";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PermissionBroker } from "../src/permissions/PermissionBroker.ts";
import { waitUntil } from "../../test/support/waits.ts";
import { FakeChat } from "./support/FakeChat.ts";
import { mentionSignal, reviewer } from "./support/fixtures.ts";

const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));
const names = [reviewer.displayName, reviewer.name, reviewer.userId];

const request: RequestPermissionRequest = {
  sessionId: "acp-1",
  toolCall: { toolCallId: "tool-1", title: "Write src/login.ts" },
  options: [
    { optionId: "allow", name: "Allow", kind: "allow_once" },
    { optionId: "always", name: "Always allow", kind: "allow_always" },
    { optionId: "reject", name: "Reject", kind: "reject_once" },
  ],
};

const place = {
  roomId: "!web:aachat.test",
  threadRootId: null,
  replyTo: "$asked",
  mentions: [reviewer.ownerUserId],
  key: "permission:sig-1:tool-1:run",
  log,
};

const question = [
  "🔐 **Permission needed**: Write src/login.ts",
  "1️⃣ Allow · 2️⃣ Always allow · 3️⃣ Reject",
  "React with a number, or reply with the option. No answer within 5 min means **reject**.",
].join("\n");

/** Asks, and resolves once the question is in the room with its option reactions (with the pending outcome). */
async function asked(chat: FakeChat, broker: PermissionBroker, abort = new AbortController().signal) {
  const outcome = broker.ask(place, request, abort);
  await waitUntil("the options are offered", async () => chat.of("reaction.send").length === 3);
  return { outcome };
}

describe("PermissionBroker: asking chat for a permission", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("asks in the turn's room with numbered options, offered as reactions", async () => {
    const chat = new FakeChat();
    const broker = new PermissionBroker(chat, { timeoutMs: 300_000, editIntervalMs: 50 });
    void asked(chat, broker);
    await waitUntil("the options are offered", async () => chat.of("reaction.send").length === 3);
    expect(chat.of("message.send")).toMatchObject([
      { roomId: "!web:aachat.test", body: question, replyTo: "$asked", notice: true, mentions: [reviewer.ownerUserId] },
    ]);
    expect(chat.of("reaction.send").map((reaction) => reaction.key)).toEqual(["1️⃣", "2️⃣", "3️⃣"]);
    expect(broker.isOpen("$event1")).toBe(true);
  });

  it("takes the option picked by a reaction of someone who may steer the agent, and says who chose what", async () => {
    const chat = new FakeChat();
    const broker = new PermissionBroker(chat, { timeoutMs: 300_000, editIntervalMs: 50 });
    const { outcome } = await asked(chat, broker);
    const react = (sender: string, senderCanControl: boolean) =>
      mentionSignal({
        kind: "reaction",
        reaction: { key: "2️⃣", relatesTo: "$event1" },
        sender,
        senderCanControl,
      });
    expect(broker.answer(react("@mallory:aachat.test", false), names)).toBe(false);
    expect(broker.answer(react(reviewer.ownerUserId, true), names)).toBe(true);
    await expect(outcome).resolves.toEqual({ outcome: "selected", optionId: "always" });
    expect(chat.of("message.edit").at(-1)).toMatchObject({
      eventId: "$event1",
      body: `${question}\n\n→ **Always allow**, answered by @owner:aachat.test.`,
      partial: false,
    });
    expect(broker.isOpen("$event1")).toBe(false);
  });

  it("takes a reply to the question as the answer", async () => {
    const chat = new FakeChat();
    const broker = new PermissionBroker(chat, { timeoutMs: 300_000, editIntervalMs: 50 });
    const { outcome } = await asked(chat, broker);
    const reply = mentionSignal({ inReplyTo: "$event1", body: "Reviewer: no", senderCanControl: true });
    expect(broker.answer(reply, names)).toBe(true);
    await expect(outcome).resolves.toEqual({ outcome: "selected", optionId: "reject" });
  });

  it("rejects when nobody answers in time, and says so", async () => {
    vi.useFakeTimers();
    const chat = new FakeChat();
    const broker = new PermissionBroker(chat, { timeoutMs: 60_000, editIntervalMs: 50 });
    const outcome = broker.ask(place, request, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(outcome).resolves.toEqual({ outcome: "selected", optionId: "reject" });
    expect(chat.of("message.edit").at(-1)?.body).toMatch(/\n\n→ \*\*Rejected\*\*: no answer within 1 min\.$/);
  });

  it("withdraws the question when the turn is stopped", async () => {
    const chat = new FakeChat();
    const broker = new PermissionBroker(chat, { timeoutMs: 300_000, editIntervalMs: 50 });
    const stop = new AbortController();
    const { outcome } = await asked(chat, broker, stop.signal);
    stop.abort();
    await expect(outcome).resolves.toEqual({ outcome: "cancelled" });
    expect(chat.of("message.edit").at(-1)?.body).toMatch(/\n\n→ Withdrawn: the turn was stopped\.$/);
  });
});
