import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type {
  ContentBlock,
  PromptResponse,
  RequestPermissionRequest,
  RequestPermissionResponse,
  SessionUpdate,
} from "@agentclientprotocol/sdk";
import type { ProjectRef, RoomMessage, SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import type { FilePoster } from "../chat/MediaUploads.ts";
import { ReplyStream } from "../chat/ReplyStream.ts";
import { TypingIndicator } from "../chat/TypingIndicator.ts";
import type { AgentIdentity } from "../client/AgentIdentity.ts";
import type { PermissionAsker } from "../permissions/PermissionBroker.ts";
import { AgentExitedError } from "../acp/AcpProcess.ts";
import { buildPrompt } from "./buildPrompt.ts";
import { failureNotice } from "./failureNotice.ts";
import { SessionUsage, turnTokens, usageFooter, type Usage } from "./SessionUsage.ts";
import { TurnTranscript } from "./TurnTranscript.ts";

const CONTEXT_MESSAGES = 20;

export interface TurnInput {
  signal: SignalPayload;
  identity: AgentIdentity;
  coverage: readonly ProjectRef[];
  chat: ChatRequests;
  permissions: PermissionAsker;
  editIntervalMs: number;
  log: Logger;
  /** Sends the prompt to the session's agent and resolves with its answer. */
  prompt(blocks: ContentBlock[]): Promise<PromptResponse>;
  /**
   * The session runs the turn again if the agent process dies during it: its answer is then
   * left as it stands (the next run edits the same message) instead of ending in a notice.
   */
  retriedIfAgentExits?: boolean;
  /** The ACP agent's label (see agentCommand), for what a sign-in notice advises. */
  agentLabel?: string;
  /** The message's images and files as prompt blocks; null when nothing is left to answer. */
  attachments?: (signal: SignalPayload) => Promise<ContentBlock[] | null>;
  /** The session's running usage, which the turn adds to (a turn of its own when absent). */
  usage?: SessionUsage;
  /** The session's workspace: paths in diffs are shown relative to it. */
  workspace?: string | undefined;
  /** Posts the diffs and outputs too long for the answer as files in its thread. */
  files?: FilePoster;
  /** The agent's own slash command asked for (`/review args`): the prompt's first text block. */
  command?: string | null;
}

/**
 * What a turn used: `tokens` from the agent's answer (0 when it did not say), `costUsd` by
 * how much the session's cost grew (0 when the agent reports no cost). Null when it said neither.
 */
export type TurnUsage = Usage;

export type TurnOutcome =
  | { kind: "answered"; stopReason: PromptResponse["stopReason"]; usage?: TurnUsage | null }
  | { kind: "failed"; error: unknown; agentExited: boolean; usage?: TurnUsage | null };

/** The agent process died during the turn, nobody had stopped it: running it again can answer it. */
export function diedUnasked(outcome: TurnOutcome): boolean {
  return outcome.kind === "failed" && outcome.agentExited;
}

/**
 * One prompt turn for one signal: the agent shows as typing, its answer streams into one
 * message in the thread it was asked in (tool calls and plan shown compactly), and the
 * final edit holds the whole answer, or says why it stopped.
 */
export class Turn {
  readonly #input: TurnInput;
  readonly #transcript: TurnTranscript;
  readonly #usage: SessionUsage;
  /** Whether the agent reported a cost during this turn. */
  #costReported = false;
  /** What the footer says: the turn's own tokens and cost, null where the agent did not say. */
  #measured: { tokens: number | null; costUsd: number | null } = { tokens: null, costUsd: null };
  readonly #stream: ReplyStream;
  readonly #abort = new AbortController();
  readonly #runId = randomBytes(4).toString("hex");
  #stoppedBy: string | null = null;

  constructor(input: TurnInput) {
    this.#input = input;
    this.#transcript = new TurnTranscript({ root: input.workspace });
    this.#usage = input.usage ?? new SessionUsage();
    const { signal } = input;
    this.#stream = new ReplyStream(
      input.chat,
      {
        roomId: signal.roomId,
        threadRootId: signal.threadRootId,
        replyTo: signal.eventId,
        mentions: [signal.sender],
        key: `reply:${signal.id}`,
      },
      { intervalMs: input.editIntervalMs, log: input.log },
    );
  }

  get signal(): SignalPayload {
    return this.#input.signal;
  }

  /** The events that stand for this turn in chat: the message it answers and its answer. */
  concerns(eventId: string): boolean {
    return eventId === this.#input.signal.eventId || this.#stream.eventIds.includes(eventId);
  }

  /** Marks the turn stopped by someone; the session cancels the prompt. */
  stop(by: string): void {
    this.#stoppedBy ??= by;
    this.#abort.abort();
  }

  get stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  onUpdate(update: SessionUpdate): void {
    if (update.sessionUpdate === "usage_update") {
      this.#usage.apply(update);
      this.#costReported ||= update.cost?.currency === "USD";
      return;
    }
    if (this.#transcript.apply(update)) this.#stream.update(this.#transcript.render());
  }

  onPermission(request: RequestPermissionRequest, abort: AbortSignal): Promise<RequestPermissionResponse> {
    const { signal, identity, log } = this.#input;
    const place = {
      roomId: signal.roomId,
      threadRootId: signal.threadRootId,
      replyTo: signal.eventId,
      mentions: [...new Set([identity.ownerUserId, signal.sender])],
      // A question asked again after a restart is a new message: an answer given to the old one
      // may already have been used, or have arrived while nobody was listening.
      key: `permission:${signal.id}:${request.toolCall.toolCallId}:${this.#runId}`,
      log,
    };
    return this.#input.permissions
      .ask(place, request, AbortSignal.any([abort, this.#abort.signal]))
      .then((outcome) => ({ outcome }));
  }

  async run(): Promise<TurnOutcome> {
    const { signal, chat, log } = this.#input;
    const typing = new TypingIndicator(chat, signal.roomId, log);
    typing.start();
    let outcome: TurnOutcome;
    const started = performance.now();
    const costBefore = this.#usage.costUsd;
    try {
      const attachments = this.#input.attachments ? await this.#input.attachments(signal) : [];
      if (attachments === null) {
        log.info("nothing to answer: the message's files were refused");
        typing.stop();
        return { kind: "answered", stopReason: "end_turn" };
      }
      const context = await this.#context();
      log.debug({ ms: Math.round(performance.now() - started), messages: context.length }, "context read");
      const blocks = buildPrompt({
        identity: this.#input.identity,
        signal,
        coverage: this.#input.coverage,
        context,
        command: this.#input.command,
        attachments,
      });
      const response = await this.#input.prompt(blocks);
      outcome = { kind: "answered", stopReason: response.stopReason, usage: this.#measure(response, costBefore) };
    } catch (error) {
      const usage = this.#measure(null, costBefore);
      outcome = { kind: "failed", error, agentExited: error instanceof AgentExitedError, usage };
    }
    if (this.#input.retriedIfAgentExits && diedUnasked(outcome) && !this.#stoppedBy) {
      typing.stop();
      return outcome;
    }
    try {
      await this.#postAttachments();
      const final = this.#finalText(outcome);
      if (final) await this.#stream.finish(final);
    } finally {
      typing.stop();
    }
    // Marked read once answered, off the path of the answer itself.
    chat
      .request("receipt.send", { roomId: signal.roomId, eventId: signal.eventId })
      .catch((error: unknown) => log.debug({ err: error }, "could not send a read receipt"));
    return outcome;
  }

  async #context(): Promise<RoomMessage[]> {
    const { signal, chat, log } = this.#input;
    try {
      const { messages } = await chat.request("room.messages", {
        roomId: signal.roomId,
        threadRootId: signal.threadRootId,
        before: signal.eventId,
        limit: CONTEXT_MESSAGES,
      });
      // In the main timeline, thread replies belong to their threads, not to this conversation.
      return signal.threadRootId ? messages : messages.filter((message) => message.threadRootId === null);
    } catch (error) {
      log.warn({ err: error }, "could not read the conversation for context; prompting without it");
      return [];
    }
  }

  /** The turn's tokens and cost, added to the session's; null when the agent said neither. */
  #measure(response: PromptResponse | null, costBefore: number): TurnUsage | null {
    const tokens = response ? turnTokens(response) : null;
    if (tokens !== null) this.#usage.addTokens(tokens);
    const costUsd = this.#costReported ? Math.max(0, Math.round((this.#usage.costUsd - costBefore) * 1e6) / 1e6) : null;
    this.#measured = { tokens, costUsd };
    return tokens === null && costUsd === null ? null : { tokens: tokens ?? 0, costUsd: costUsd ?? 0 };
  }

  /** Posts what was too long to show whole, once per key, in the thread of the answer. */
  async #postAttachments(): Promise<void> {
    const { signal, files, log } = this.#input;
    if (!files) return;
    for (const attachment of this.#transcript.attachments()) {
      try {
        await files.post({
          roomId: signal.roomId,
          threadRootId: signal.threadRootId,
          replyTo: signal.eventId,
          name: attachment.name,
          mimetype: attachment.mimetype,
          bytes: Buffer.from(attachment.text),
          key: `attachment:${signal.id}:${attachment.key}`,
        });
      } catch (error) {
        log.warn({ err: error, name: attachment.name }, "could not attach a file to the answer");
      }
    }
  }

  #finalText(outcome: TurnOutcome): string {
    const text = this.#answerText(outcome);
    const footer = outcome.kind === "answered" ? usageFooter(this.#measured, this.#usage.total) : "";
    return text && footer ? `${text}\n\n${footer}` : text;
  }

  #answerText(outcome: TurnOutcome): string {
    const shown = this.#transcript.render();
    const withNote = (note: string) => (shown ? `${shown}\n\n${note}` : note);
    if (outcome.kind === "failed") {
      if (this.#stoppedBy && outcome.agentExited) return withNote(`_Stopped by ${this.#stoppedBy}._`);
      const reason =
        outcome.error instanceof AgentExitedError
          ? `The agent process stopped during this turn (${outcome.error.detail}). The session is restarting; ask again.`
          : failureNotice(outcome.error, {
              agentName: this.#input.identity.name,
              agentLabel: this.#input.agentLabel,
              host: hostname(),
            });
      return withNote(`⚠️ ${reason}`);
    }
    switch (outcome.stopReason) {
      case "cancelled":
        return withNote(this.#stoppedBy ? `_Stopped by ${this.#stoppedBy}._` : "_Stopped._");
      case "max_tokens":
      case "max_turn_requests":
        return withNote("_The answer was cut short: the agent reached its limit for one turn._");
      case "refusal":
        return withNote("_The agent declined to answer this._");
      default:
        return shown;
    }
  }
}
