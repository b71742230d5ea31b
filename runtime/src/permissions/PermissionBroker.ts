import type { PermissionOption, RequestPermissionOutcome, RequestPermissionRequest } from "@agentclientprotocol/sdk";
import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import { ReplyStream } from "../chat/ReplyStream.ts";
import { answerFromText } from "./answerFromText.ts";

/** The reactions that pick an option, in option order. */
export const OPTION_KEYS = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"];
const ALLOW_KEYS = new Set(["✅", "👍"]);
const REJECT_KEYS = new Set(["❌", "👎"]);

/** Where a permission request is asked: the turn's room and thread, and who to notify. */
export interface PermissionPlace {
  roomId: string;
  threadRootId: string | null;
  replyTo: string | null;
  mentions: string[];
  /** Unique per request, e.g. `permission:<signal id>:<tool call id>`. */
  key: string;
  log: Logger;
}

interface Pending {
  options: PermissionOption[];
  settle(answer: { optionId: string; by: string }): void;
}

/** What a turn needs of the broker: asking in chat. */
export type PermissionAsker = Pick<PermissionBroker, "ask">;

/**
 * Asks chat for the permissions Claude Code requests. The request appears in the room with
 * its options; the agent's owner (or an owner or admin of the project's team) answers with
 * a reaction or a reply; no answer in time means reject, and a cancelled turn withdraws it.
 */
export class PermissionBroker {
  /** Open requests by the event id of their message. */
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly chat: ChatRequests,
    private readonly options: { timeoutMs: number; editIntervalMs: number },
  ) {}

  async ask(
    place: PermissionPlace,
    request: RequestPermissionRequest,
    abort: AbortSignal,
  ): Promise<RequestPermissionOutcome> {
    const options = request.options.slice(0, OPTION_KEYS.length);
    const title = request.toolCall.title || request.toolCall.name || "a tool";
    const minutes = formatDuration(this.options.timeoutMs);
    const question = [
      `🔐 **Permission needed**: ${title}`,
      options.map((option, index) => `${OPTION_KEYS[index]} ${option.name}`).join(" · "),
      `React with a number, or reply with the option. No answer within ${minutes} means **reject**.`,
    ].join("\n");
    place.log.info({ tool: title, options: options.map((o) => o.optionId) }, "asking permission in chat");
    const message = new ReplyStream(
      this.chat,
      { ...place, notice: true },
      { intervalMs: this.options.editIntervalMs, log: place.log },
    );
    await message.finish(question);
    const [eventId] = message.eventIds;
    if (!eventId) {
      place.log.warn("could not post the permission request; rejecting it");
      return reject(options);
    }
    // Listen for answers before offering the options: a quick click must not be missed.
    const answered = new Promise<{ optionId: string; by: string } | "timeout" | "cancelled">((resolve) => {
      const timer = setTimeout(() => finish("timeout"), this.options.timeoutMs);
      const onAbort = () => finish("cancelled");
      const finish = (result: { optionId: string; by: string } | "timeout" | "cancelled") => {
        clearTimeout(timer);
        abort.removeEventListener("abort", onAbort);
        this.#pending.delete(eventId);
        resolve(result);
      };
      if (abort.aborted) return finish("cancelled");
      abort.addEventListener("abort", onAbort);
      this.#pending.set(eventId, { options, settle: finish });
    });
    for (const [index] of options.entries()) {
      if (!this.#pending.has(eventId)) break;
      await this.chat
        .request("reaction.send", { roomId: place.roomId, eventId, key: OPTION_KEYS[index]! })
        .catch((error: unknown) => place.log.debug({ err: error }, "could not add an option reaction"));
    }
    const answer = await answered;

    let outcome: RequestPermissionOutcome;
    let said: string;
    if (answer === "cancelled") {
      outcome = { outcome: "cancelled" };
      said = "→ Withdrawn: the turn was stopped.";
    } else if (answer === "timeout") {
      outcome = reject(options);
      said = `→ **Rejected**: no answer within ${minutes}.`;
    } else {
      outcome = { outcome: "selected", optionId: answer.optionId };
      const chosen = options.find((option) => option.optionId === answer.optionId);
      said = `→ **${chosen?.name ?? answer.optionId}**, answered by ${answer.by}.`;
    }
    await message.finish(`${question}\n\n${said}`);
    place.log.info({ eventId, outcome }, "permission request settled");
    return outcome;
  }

  /** Whether the event is an open permission request's message. */
  isOpen(eventId: string): boolean {
    return this.#pending.has(eventId);
  }

  /**
   * Answers an open request from a reaction or reply signal of someone allowed to steer the
   * agent; true when it answered one.
   */
  answer(signal: SignalPayload, agentNames: string[]): boolean {
    if (!signal.senderCanControl) return false;
    if (signal.kind === "reaction" && signal.reaction) {
      const pending = this.#pending.get(signal.reaction.relatesTo);
      if (!pending) return false;
      const option = optionForKey(pending.options, signal.reaction.key);
      if (!option) return false;
      pending.settle({ optionId: option.optionId, by: signal.sender });
      return true;
    }
    if (signal.inReplyTo) {
      const pending = this.#pending.get(signal.inReplyTo);
      if (!pending) return false;
      const option = answerFromText(signal.body, pending.options, agentNames);
      if (!option) return false;
      pending.settle({ optionId: option.optionId, by: signal.sender });
      return true;
    }
    return false;
  }
}

function optionForKey(options: PermissionOption[], key: string): PermissionOption | undefined {
  const index = OPTION_KEYS.indexOf(key);
  if (index >= 0) return options[index];
  if (ALLOW_KEYS.has(key))
    return options.find((o) => o.kind === "allow_once") ?? options.find((o) => o.kind === "allow_always");
  if (REJECT_KEYS.has(key))
    return options.find((o) => o.kind === "reject_once") ?? options.find((o) => o.kind === "reject_always");
  return undefined;
}

/** No answer means no: the request's reject option, or a cancelled outcome when it has none. */
function reject(options: PermissionOption[]): RequestPermissionOutcome {
  const option = options.find((o) => o.kind === "reject_once") ?? options.find((o) => o.kind === "reject_always");
  return option ? { outcome: "selected", optionId: option.optionId } : { outcome: "cancelled" };
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
