import {
  type Failure,
  type RequestFrame,
  type RequestMethod,
  type RequestResult,
  type RoomMessage,
} from "@aachat/protocol";
import {
  MAX_CONTENT_BYTES,
  agentMessageContent,
  canonicalJsonBytes,
  editContent,
} from "@aachat/protocol/messageContent";
import { DomainError } from "../errors/DomainError.ts";
import type { Agent } from "../generated/prisma/client.ts";
import type { UserId } from "../matrix/ids.ts";
import { MatrixApiError } from "../matrix/MatrixApi.ts";
import { OutboundSendError } from "../matrix/OutboundQueue.ts";
import { agentRoom, editAsAgent, sendAsAgent } from "../model/agentMessages.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { readRoomLog } from "../model/roomLog.ts";
import { sendFileAsAgent } from "./fileSend.ts";
import { configureLimit, raiseToday, recordUsage } from "../model/usage.ts";

/** A request refused with a code and a message the runtime can show or act on. */
export class RequestFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

type Handlers = {
  [M in RequestMethod]: (
    agent: Agent,
    params: Extract<RequestFrame, { method: M }>["params"],
  ) => Promise<RequestResult<M>>;
};

/**
 * Carries out what a runtime asks as its agent: send, edit, react, type, read. Every
 * request acts only as the connection's own agent, and only in rooms it belongs to.
 */
export class AgentRequests {
  readonly #handlers: Handlers;

  constructor(private readonly ctx: ModelContext) {
    this.#handlers = {
      "message.send": (agent, params) => this.#send(agent, params),
      "message.edit": (agent, params) => this.#edit(agent, params),
      "reaction.send": (agent, params) => this.#react(agent, params),
      "typing.set": (agent, params) => this.#typing(agent, params),
      "room.messages": (agent, params) => this.#messages(agent, params),
      "receipt.send": (agent, params) => this.#receipt(agent, params),
      "file.send": (agent, params) => sendFileAsAgent(this.ctx, agent, params),
      "usage.record": (agent, params) => recordUsage(this.ctx, agent, params),
      "usage.totals": (agent, params) => configureLimit(this.ctx, agent, params.configuredDailyLimitUsd),
      "budget.raise": (agent, params) => raiseToday(this.ctx, agent, params.toUsd),
    };
  }

  /** Resolves with the method's result, or rejects with a RequestFailure. */
  async handle(agentId: number, frame: RequestFrame): Promise<unknown> {
    const agent = await this.ctx.db.agent.findUnique({ where: { id: agentId } });
    if (!agent) throw new RequestFailure({ code: "forbidden", message: "the agent no longer exists" });
    const handler = this.#handlers[frame.method] as (agent: Agent, params: unknown) => Promise<unknown>;
    try {
      return await handler(agent, frame.params);
    } catch (error) {
      throw toFailure(error);
    }
  }

  async #send(agent: Agent, params: Extract<RequestFrame, { method: "message.send" }>["params"]) {
    const content = agentMessageContent({
      body: params.body,
      notice: params.notice,
      threadRootId: params.threadRootId,
      replyTo: params.replyTo,
      mentions: params.mentions,
      stream: params.partial ? "partial" : "final",
    });
    checkSize(content);
    const eventId = await sendAsAgent(this.ctx, agent, params.roomId, content, `msg:${params.key}`);
    // A key sent before names that message (a turn run again after a crash): it is made to
    // say this text, or a rerun that ends before its first write would leave it unfinished.
    const original = await this.ctx.db.outboundMessage.findFirst({ where: { eventId, senderId: agent.userId } });
    if (original && original.content !== JSON.stringify(content)) {
      await this.#edit(agent, { roomId: params.roomId, eventId, body: params.body, partial: params.partial });
    }
    return { eventId };
  }

  async #edit(agent: Agent, params: Extract<RequestFrame, { method: "message.edit" }>["params"]) {
    const original = await this.ctx.db.outboundMessage.findFirst({
      where: { eventId: params.eventId, roomId: params.roomId, senderId: agent.userId, type: "m.room.message" },
    });
    if (!original) {
      throw new RequestFailure({ code: "forbidden", message: "an agent can edit only its own messages" });
    }
    const content = editContent(
      params.eventId,
      JSON.parse(original.content) as Record<string, unknown>,
      params.body,
      params.partial ? "partial" : "final",
    );
    checkSize(content);
    return { eventId: await editAsAgent(this.ctx, agent, params.roomId, params.eventId, content) };
  }

  async #react(agent: Agent, params: Extract<RequestFrame, { method: "reaction.send" }>["params"]) {
    const content = { "m.relates_to": { rel_type: "m.annotation", event_id: params.eventId, key: params.key } };
    const key = `react:${params.eventId}:${params.key}`;
    return { eventId: await sendAsAgent(this.ctx, agent, params.roomId, content, key, "m.reaction") };
  }

  async #typing(agent: Agent, params: Extract<RequestFrame, { method: "typing.set" }>["params"]) {
    await agentRoom(this.ctx, agent, params.roomId, "write");
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(params.roomId)}/typing/${encodeURIComponent(agent.userId)}`;
    await this.ctx.matrix.request("PUT", path, {
      asUser: agent.userId as UserId,
      body: params.typing ? { typing: true, timeout: 30_000 } : { typing: false },
    });
    return {};
  }

  async #messages(
    agent: Agent,
    params: Extract<RequestFrame, { method: "room.messages" }>["params"],
  ): Promise<{ messages: RoomMessage[] }> {
    await agentRoom(this.ctx, agent, params.roomId, "read");
    return { messages: await readRoomLog(this.ctx, params) };
  }

  async #receipt(agent: Agent, params: Extract<RequestFrame, { method: "receipt.send" }>["params"]) {
    await agentRoom(this.ctx, agent, params.roomId, "read");
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(params.roomId)}/receipt/m.read/${encodeURIComponent(params.eventId)}`;
    await this.ctx.matrix.request("POST", path, { asUser: agent.userId as UserId, body: {} });
    return {};
  }
}

/** The homeserver refuses a larger event: say so before, in numbers the runtime can act on. */
function checkSize(content: Record<string, unknown>): void {
  const bytes = canonicalJsonBytes(content);
  if (bytes > MAX_CONTENT_BYTES) {
    throw new RequestFailure({
      code: "too_large",
      message: `the message's content has ${bytes} bytes as Matrix sends it (text, HTML and, in an edit, both twice); the limit is ${MAX_CONTENT_BYTES}: split it over several messages`,
    });
  }
}

function toFailure(error: unknown): RequestFailure {
  if (error instanceof RequestFailure) return error;
  // The domain speaks the protocol's failure codes, so its errors pass through as they are.
  if (error instanceof DomainError) return new RequestFailure({ code: error.code, message: error.message });
  if (error instanceof MatrixApiError) {
    const code = error.status === 403 ? "forbidden" : error.status === 404 ? "not_found" : "unavailable";
    return new RequestFailure({ code, message: `the homeserver said ${error.errcode}: ${error.message}` });
  }
  if (error instanceof OutboundSendError) return new RequestFailure({ code: "unavailable", message: error.message });
  const failure = new RequestFailure({ code: "internal", message: "the appservice could not do this; try again" });
  failure.cause = error;
  return failure;
}
