import { STREAM_FIELD } from "@aachat/protocol/messageContent";
import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import { isAgentUserId } from "../matrix/ids.ts";
import { agentOfEvent } from "../model/agentMessages.ts";
import { mayControlAgent } from "../model/control.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { postNotice } from "../model/notices.ts";
import type { AgentInRoom } from "../model/RoomDirectory.ts";
import { readFileMessage } from "../signals/attachments.ts";
import { agentAskedInThread } from "../signals/threadAsks.ts";
import { findMentions, isEdit, replyTargetOf, stripReplyFallback, threadRootOf } from "../signals/mentions.ts";
import { storeSignals, type NewSignal } from "../signals/storeSignals.ts";
import type { Attachment } from "@aachat/protocol";
import { countAgentHop, resetAgentHops, threadKey } from "../signals/threadHops.ts";

/** Called after new signals are stored, so runtimes can be told at once. */
export type SignalListener = (agentIds: number[]) => void;

/** A message as the mention router reads it: for an agent's final edit, the text of the edit on the original. */
interface ReadMessage {
  eventId: string;
  content: Record<string, unknown>;
  body: string;
  threadRootId: string | null;
  inReplyTo: string | null;
  /** A human's image or file (m.image / m.file) for the agent to download; `body` is then its caption. */
  attachment: Attachment | null;
  /** A human's edit of an earlier message: it asks only agents not yet asked about that message. */
  edit?: true;
}

/**
 * Turns a message into signals: one per agent of the room's project that it mentions (or
 * replies to), and any message of an owner in an agent's DM. The bot's messages, an
 * agent's mention of itself, and an agent's answer while it is still streaming never make
 * signals; a chain of agents mentioning each other stops after `maxMentionHops` per thread.
 * A signal's id comes from (agent, event), so handling the same event twice stores it once.
 */
export class MentionHandler implements EventHandler {
  readonly name = "mentions";

  constructor(
    private readonly ctx: ModelContext,
    private readonly onSignals: SignalListener = () => undefined,
  ) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type === "m.room.redaction") return this.#forgetRedacted(event);
    if (event.type !== "m.room.message" || event.sender === this.ctx.botUserId) return;
    if (event.unsigned?.redacted_because) return;
    const fromAgent = isAgentUserId(event.sender, this.ctx.serverName);
    const message = await this.#read(event, fromAgent);
    if (!message) return;
    const room = await this.ctx.rooms.lookup(event.room_id);
    if (room.kind === "dm") {
      // Every message of the owner there was already a signal: an edit of one asks nothing new.
      if (event.sender !== room.ownerUserId || message.edit) return;
      return this.#store(log, [this.#signal(room.agent.id, "dm", message, event, null, true)]);
    }
    if (room.kind !== "project" || room.archived) return;
    const thread = threadKey(message.threadRootId);
    // A human's new message lets a stopped chain of agents go on; editing an old one does not.
    if (!fromAgent && !message.edit) await resetAgentHops(this.ctx.db, event.room_id, thread);
    const targets = await this.#targets(message, room.agents, event.sender);
    if (targets.length === 0) return;
    if (fromAgent) {
      const hops = await countAgentHop(this.ctx.db, event.room_id, thread);
      if (hops > this.ctx.settings.maxMentionHops) return this.#stopChain(message, event.room_id, hops - 1, log);
    }
    const signals: NewSignal[] = [];
    for (const agent of targets) {
      const canControl = await mayControlAgent(this.ctx, agent, room.teamId, event.sender);
      signals.push(this.#signal(agent.id, "mention", message, event, room.projectId, canControl));
    }
    await this.#store(log, signals);
  }

  /** The message to route, or null when it is not one that can signal. */
  async #read(event: MatrixEvent, fromAgent: boolean): Promise<ReadMessage | null> {
    if (!isEdit(event.content)) {
      if (event.content[STREAM_FIELD] === "partial") return null;
      const file = fromAgent ? null : readFileMessage(event.content, event.room_id, event.event_id);
      const body = file ? file.caption : typeof event.content.body === "string" ? event.content.body : "";
      return {
        eventId: event.event_id,
        content: event.content,
        body: stripReplyFallback(body),
        threadRootId: threadRootOf(event.content),
        inReplyTo: replyTargetOf(event.content),
        attachment: file?.attachment ?? null,
      };
    }
    const newContent = event.content["m.new_content"] as Record<string, unknown> | undefined;
    const originalId = (event.content["m.relates_to"] as { event_id?: unknown }).event_id;
    if (typeof newContent !== "object" || newContent === null || typeof originalId !== "string") return null;
    return fromAgent
      ? this.#readAnswer(event, newContent, originalId)
      : this.#readHumanEdit(event, newContent, originalId);
  }

  /**
   * An agent's answer streams into one message, and its final edit is where the mentions in
   * that answer are seen; its earlier edits count for nothing.
   */
  async #readAnswer(
    event: MatrixEvent,
    newContent: Record<string, unknown>,
    originalId: string,
  ): Promise<ReadMessage | null> {
    if (newContent[STREAM_FIELD] !== "final") return null;
    const original = await this.ctx.db.outboundMessage.findFirst({
      where: { eventId: originalId, senderId: event.sender },
    });
    if (!original) return null;
    const originalContent = JSON.parse(original.content) as Record<string, unknown>;
    return {
      eventId: originalId,
      content: newContent,
      body: typeof newContent.body === "string" ? newContent.body : "",
      threadRootId: threadRootOf(originalContent),
      inReplyTo: replyTargetOf(originalContent),
      attachment: null,
    };
  }

  /**
   * A human's edit of their own message is read as that message with its new text, so an
   * agent the edit newly mentions (a forgotten mention, added afterwards) is asked, in the
   * original's thread and in reply to it. A signal's id comes from (agent, original), so an
   * agent already asked about the message is not asked again, however often it is edited.
   */
  async #readHumanEdit(
    event: MatrixEvent,
    newContent: Record<string, unknown>,
    originalId: string,
  ): Promise<ReadMessage | null> {
    if (typeof newContent.body !== "string") return null;
    // The room log holds the message, written before this handler ran; only its sender may edit it.
    const original = await this.ctx.db.roomMessage.findUnique({ where: { eventId: originalId } });
    if (!original || original.roomId !== event.room_id || original.sender !== event.sender) return null;
    return {
      eventId: originalId,
      content: newContent,
      body: stripReplyFallback(newContent.body),
      threadRootId: original.threadRootId,
      inReplyTo: original.inReplyTo,
      attachment: null,
      edit: true,
    };
  }

  async #targets(message: ReadMessage, agents: AgentInRoom[], sender: string): Promise<AgentInRoom[]> {
    const candidates = agents.filter((agent) => agent.userId !== sender);
    const mentioned = new Set(
      findMentions({ ...message.content, body: message.body }, candidates).map((c) => c.userId),
    );
    // A reply to an agent's message speaks to that agent, whether or not the client mentioned it.
    if (message.inReplyTo) {
      const repliedTo = await agentOfEvent(this.ctx, message.inReplyTo);
      if (repliedTo) mentioned.add(repliedTo.userId);
    }
    // A file carries no mention in most clients: sent in a thread an agent was asked in, it is for that agent.
    if (message.attachment && message.threadRootId) {
      for (const agent of candidates) {
        if (!mentioned.has(agent.userId) && (await agentAskedInThread(this.ctx, agent, message.threadRootId)))
          mentioned.add(agent.userId);
      }
    }
    return candidates.filter((agent) => mentioned.has(agent.userId));
  }

  #signal(
    agentId: number,
    kind: "mention" | "dm",
    message: ReadMessage,
    event: MatrixEvent,
    projectId: number | null,
    senderCanControl: boolean,
  ): NewSignal {
    return {
      agentId,
      kind,
      eventId: message.eventId,
      roomId: event.room_id,
      projectId,
      threadRootId: message.threadRootId,
      inReplyTo: message.inReplyTo,
      reaction: null,
      sender: event.sender,
      senderCanControl,
      body: message.body,
      ...(message.attachment ? { attachments: [message.attachment] } : {}),
    };
  }

  async #store(log: Logger, signals: NewSignal[]): Promise<void> {
    const stored = await storeSignals(this.ctx.db, signals);
    if (stored > 0) {
      const agents = signals.map((s) => s.agentId);
      log.info({ agents, stored }, "stored signals");
      this.onSignals(agents);
    }
  }

  async #stopChain(message: ReadMessage, roomId: string, hops: number, log: Logger): Promise<void> {
    log.info({ roomId, hops }, "stopped a chain of agent mentions");
    const relation = message.threadRootId
      ? {
          "m.relates_to": {
            rel_type: "m.thread",
            event_id: message.threadRootId,
            is_falling_back: true,
            "m.in_reply_to": { event_id: message.eventId },
          },
        }
      : { "m.relates_to": { "m.in_reply_to": { event_id: message.eventId } } };
    await postNotice(
      this.ctx,
      roomId,
      `Stopped a chain of agent mentions: agents have mentioned each other ${hops} times in a row here, ` +
        `the limit for a thread. A human's message here lets them go on.`,
      `hop-limit:${message.eventId}`,
      relation,
    );
  }

  /** A redacted message or reaction is no longer something to answer: drop its unacknowledged signals. */
  async #forgetRedacted(event: MatrixEvent): Promise<void> {
    const redacts = typeof event.redacts === "string" ? event.redacts : (event.content.redacts as string | undefined);
    if (!redacts) return;
    await this.ctx.db.signal.deleteMany({ where: { eventId: redacts, roomId: event.room_id, acknowledgedAt: null } });
  }
}
