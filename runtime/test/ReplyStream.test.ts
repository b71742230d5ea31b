import { MAX_CONTENT_BYTES } from "@aachat/protocol/messageContent";
import type { FailureCode, RequestMethod, RequestParams, RequestResult } from "@aachat/protocol";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatRequests } from "../src/chat/ChatRequests.ts";
import { ReplyStream } from "../src/chat/ReplyStream.ts";
import { RequestError } from "../src/client/errors.ts";
import { waitUntil } from "../../test/support/waits.ts";

const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));

type Sent = { method: RequestMethod; params: Record<string, unknown> };

/** The appservice's side, refusing what `refuse` picks (as too large, unless told another code). */
class Room implements ChatRequests {
  readonly requests: Sent[] = [];
  /** Every request, refused ones too. */
  readonly attempts: Sent[] = [];
  #next = 0;

  constructor(
    private readonly refuse: (sent: Sent) => boolean = () => false,
    private readonly code: FailureCode = "too_large",
  ) {}

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const sent = { method, params: params as Record<string, unknown> };
    this.attempts.push(sent);
    if (this.refuse(sent)) {
      const message = this.code === "too_large" ? "the message's content has 70000 bytes" : "the agent left the room";
      return Promise.reject(new RequestError(method, { code: this.code, message }));
    }
    this.requests.push(sent);
    return Promise.resolve({ eventId: `$event${++this.#next}` } as RequestResult<M>);
  }

  notices(): Sent[] {
    return this.requests.filter((sent) => sent.method === "message.send" && sent.params.notice === true);
  }
}

const target = { roomId: "!room", threadRootId: null, replyTo: "$asked", mentions: ["@alice:x"], key: "reply:s1" };

describe("ReplyStream", () => {
  it("posts nothing more when the whole answer arrived", async () => {
    const room = new Room();
    const stream = new ReplyStream(room, target, { intervalMs: 50, log });
    stream.update("The first half");
    await stream.finish("The first half and the second.");
    expect(room.requests.map((sent) => sent.params.body)).toContain("The first half and the second.");
    expect(room.notices()).toEqual([]);
  });

  it("says once in the room that an answer is incomplete when its final edit is refused", async () => {
    const room = new Room((sent) => sent.method === "message.edit" && sent.params.partial === false);
    const stream = new ReplyStream(room, target, { intervalMs: 50, log });
    stream.update("Partial text");
    await waitUntil("the answer is posted", async () => stream.eventIds.length === 1);
    await stream.finish("Partial text, and the rest of it");
    const notices = room.notices();
    expect(notices).toHaveLength(1);
    expect(notices[0]!.params).toMatchObject({
      roomId: "!room",
      replyTo: stream.eventIds[0],
      key: "reply:s1:incomplete",
      mentions: [],
    });
    expect(notices[0]!.params.body).toBe(
      "⚠️ This answer could not be shown whole (the message's content has 70000 bytes).",
    );
  });

  it("says so too when a part could not be posted at all, replying to the message it answers", async () => {
    const room = new Room((sent) => sent.method === "message.send" && sent.params.key === "reply:s1");
    const stream = new ReplyStream(room, target, { intervalMs: 50, log });
    await stream.finish("An answer the room never gets");
    expect(stream.eventIds).toEqual([]);
    expect(room.notices()).toMatchObject([{ params: { replyTo: "$asked", key: "reply:s1:incomplete" } }]);
  });

  describe("streaming an answer", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("posts the first words at once, then edits that message at most once per interval, and ends with a final edit", async () => {
      vi.useFakeTimers();
      const room = new Room();
      const stream = new ReplyStream(room, target, { intervalMs: 1_000, log });
      stream.update("Looking");
      await vi.advanceTimersByTimeAsync(0);
      expect(room.requests).toEqual([
        {
          method: "message.send",
          params: {
            roomId: "!room",
            body: "Looking",
            threadRootId: null,
            replyTo: "$asked",
            mentions: ["@alice:x"],
            partial: true,
            notice: undefined,
            key: "reply:s1",
          },
        },
      ]);
      stream.update("Looking at it");
      stream.update("Looking at it now");
      await vi.advanceTimersByTimeAsync(999);
      expect(room.requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(room.requests.slice(1)).toEqual([
        {
          method: "message.edit",
          params: { roomId: "!room", eventId: "$event1", body: "Looking at it now", partial: true },
        },
      ]);
      await stream.finish("Looking at it now. It is the N+1 query.");
      expect(room.requests.slice(2)).toEqual([
        {
          method: "message.edit",
          params: {
            roomId: "!room",
            eventId: "$event1",
            body: "Looking at it now. It is the N+1 query.",
            partial: false,
          },
        },
      ]);
      expect(stream.eventIds).toEqual(["$event1"]);
    });

    it("continues an answer longer than one message in further messages, notifying only with the first", async () => {
      const room = new Room();
      const stream = new ReplyStream(room, target, { intervalMs: 50, log });
      const paragraph = `${"All work and no play makes Jack a dull boy. ".repeat(20).trim()}\n\n`;
      const answer = paragraph.repeat(Math.ceil((MAX_CONTENT_BYTES * 1.5) / paragraph.length)).trim();
      await stream.finish(answer);
      const sends = room.requests.filter((sent) => sent.method === "message.send");
      expect(sends.length).toBeGreaterThan(1);
      expect(sends.map((sent) => sent.params.key)).toEqual(
        sends.map((_sent, index) => (index === 0 ? "reply:s1" : `reply:s1:${index}`)),
      );
      expect(sends.map((sent) => sent.params.mentions)).toEqual(
        sends.map((_sent, index) => (index === 0 ? ["@alice:x"] : [])),
      );
      expect(sends.every((sent) => sent.params.partial === false && sent.params.replyTo === "$asked")).toBe(true);
      expect(sends.map((sent) => sent.params.body).join("\n\n")).toBe(answer);
      expect(stream.eventIds).toHaveLength(sends.length);
      expect(room.notices()).toEqual([]);
    });

    it("posts nothing for an answer with no text", async () => {
      const room = new Room();
      const stream = new ReplyStream(room, target, { intervalMs: 50, log });
      stream.update("   ");
      await stream.finish("");
      expect(room.attempts).toEqual([]);
    });

    it("stops writing an answer the appservice refuses for good, and says once that it is incomplete", async () => {
      const room = new Room((sent) => sent.params.key === "reply:s1", "forbidden");
      const stream = new ReplyStream(room, target, { intervalMs: 50, log });
      stream.update("First words");
      await waitUntil("the answer was tried", async () => room.attempts.length === 1);
      stream.update("First words and more");
      await stream.finish("First words and more, and the end.");
      expect(room.attempts.filter((sent) => sent.params.key === "reply:s1")).toHaveLength(1);
      const notices = room.notices();
      expect(notices).toHaveLength(1);
      expect(notices[0]!.params.body).toBe("⚠️ This answer could not be shown whole (the agent left the room).");
    });
  });
});
