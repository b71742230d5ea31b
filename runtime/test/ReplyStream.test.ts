import type { RequestMethod, RequestParams, RequestResult } from "@aachat/protocol";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ChatRequests } from "../src/chat/ChatRequests.ts";
import { ReplyStream } from "../src/chat/ReplyStream.ts";
import { RequestError } from "../src/client/errors.ts";
import { waitUntil } from "../../test/support/waits.ts";

const log = pino({ level: process.env.AACHAT_TEST_LOG ?? "silent" }, pino.destination(2));

type Sent = { method: RequestMethod; params: Record<string, unknown> };

/** The appservice's side, refusing what `refuse` picks as too large. */
class Room implements ChatRequests {
  readonly requests: Sent[] = [];
  #next = 0;

  constructor(private readonly refuse: (sent: Sent) => boolean = () => false) {}

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const sent = { method, params: params as Record<string, unknown> };
    if (this.refuse(sent)) {
      return Promise.reject(
        new RequestError(method, { code: "too_large", message: "the message's content has 70000 bytes" }),
      );
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
});
