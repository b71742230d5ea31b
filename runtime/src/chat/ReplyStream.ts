import type { Logger } from "pino";
import { RequestError } from "../client/errors.ts";
import type { ChatRequests } from "./ChatRequests.ts";
import { GrowingSplit } from "./splitMessage.ts";

/** Where a streamed answer goes and what makes it unique. */
export interface ReplyTarget {
  roomId: string;
  threadRootId: string | null;
  /** The message it answers. */
  replyTo: string | null;
  /** Who to notify with the first message. */
  mentions: string[];
  /**
   * Names the answer (e.g. `reply:<signal id>`): the appservice posts a key once, so a turn
   * run again after a crash edits its earlier message instead of posting a second one.
   */
  key: string;
  notice?: boolean;
}

interface Part {
  eventId: string | null;
  /** The text and mark the homeserver has for this part. */
  sent: { text: string; final: boolean } | null;
}

/**
 * One answer that grows while the agent works: posted once, then edited as it grows (at
 * most once per interval), and given its whole text by a final edit. An answer longer
 * than a message continues in further messages. If the homeserver ends up without the
 * whole answer, a notice in the room says so.
 */
export class ReplyStream {
  readonly #parts: Part[] = [];
  #text = "";
  #final = false;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #lastFlush = 0;
  /** A refusal the appservice will not change its mind about (e.g. the agent left the room). */
  #refused: RequestError | null = null;
  /** Why the last write stopped short. */
  #lastError: unknown = null;
  #toldIncomplete = false;
  readonly #split = new GrowingSplit();
  readonly #created = performance.now();

  constructor(
    private readonly chat: ChatRequests,
    private readonly target: ReplyTarget,
    private readonly options: { intervalMs: number; log: Logger },
  ) {}

  /** The messages the answer has so far. */
  get eventIds(): string[] {
    return this.#parts.flatMap((part) => (part.eventId ? [part.eventId] : []));
  }

  /** The answer's whole text so far; shown within the interval. */
  update(text: string): void {
    if (this.#final || text === this.#text) return;
    this.#text = text;
    if (this.#timer || this.#flushing) return;
    const wait = Math.max(0, this.#lastFlush + this.options.intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, wait);
  }

  /** Gives the answer its final text and resolves once the homeserver has it (or refused it). */
  async finish(text: string): Promise<void> {
    this.#final = true;
    this.#text = text;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flushing;
    await this.#flush();
    if (this.#dirty()) await this.#tellIncomplete();
  }

  /** Once: the room sees a cut answer as cut, not as the whole of it. */
  async #tellIncomplete(): Promise<void> {
    if (this.#toldIncomplete) return;
    this.#toldIncomplete = true;
    const wanted = this.#wanted();
    const shown = wanted.filter((want, index) => same(this.#parts[index]?.sent ?? null, want)).length;
    // The refusal that ended the answer, not whatever a later (skipped) write left behind.
    const cause = this.#refused ?? this.#lastError;
    const why = cause instanceof RequestError ? cause.failure.message.slice(0, 300) : "an error";
    const parts = wanted.length > 1 ? `: ${shown} of its ${wanted.length} parts arrived complete` : "";
    const body = `⚠️ This answer could not be shown whole${parts} (${why}).`;
    this.options.log.warn({ err: cause, parts: wanted.length, shown }, "the answer is incomplete in chat");
    try {
      await this.chat.request("message.send", {
        roomId: this.target.roomId,
        body,
        threadRootId: this.target.threadRootId,
        replyTo: this.eventIds[0] ?? this.target.replyTo,
        mentions: [],
        notice: true,
        key: `${this.target.key}:incomplete`,
      });
    } catch (error) {
      this.options.log.warn({ err: error }, "could not say in chat that the answer is incomplete");
    }
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#write()
      .then(() => {
        this.#lastError = null;
      })
      .catch((error: unknown) => {
        this.#lastError = error;
        this.options.log.warn({ err: error }, "could not update the answer in chat");
      })
      .finally(() => {
        this.#flushing = null;
        this.#lastFlush = Date.now();
        // Text that arrived while writing is shown by the next round.
        if (!this.#final && !this.#timer && !this.#refused && this.#dirty()) {
          this.#timer = setTimeout(() => {
            this.#timer = null;
            void this.#flush();
          }, this.options.intervalMs);
        }
      });
    return this.#flushing;
  }

  #dirty(): boolean {
    return this.#wanted().some((want, index) => !same(this.#parts[index]?.sent ?? null, want));
  }

  #wanted(): { text: string; final: boolean }[] {
    if (this.#text.trim() === "") return [];
    return this.#split.split(this.#text).map((text) => ({ text, final: this.#final }));
  }

  async #write(): Promise<void> {
    const wanted = this.#wanted();
    for (const [index, want] of wanted.entries()) {
      if (this.#refused) return;
      const part = (this.#parts[index] ??= { eventId: null, sent: null });
      if (same(part.sent, want)) continue;
      try {
        if (part.eventId === null) {
          const { eventId } = await this.chat.request("message.send", {
            roomId: this.target.roomId,
            body: want.text,
            threadRootId: this.target.threadRootId,
            replyTo: this.target.replyTo,
            mentions: index === 0 ? this.target.mentions : [],
            partial: !want.final,
            notice: this.target.notice,
            key: index === 0 ? this.target.key : `${this.target.key}:${index}`,
          });
          part.eventId = eventId;
          if (index === 0)
            this.options.log.debug({ ms: Math.round(performance.now() - this.#created) }, "answer posted");
        } else {
          await this.chat.request("message.edit", {
            roomId: this.target.roomId,
            eventId: part.eventId,
            body: want.text,
            partial: !want.final,
          });
        }
        part.sent = want;
      } catch (error) {
        if (
          error instanceof RequestError &&
          (error.failure.code === "forbidden" || error.failure.code === "not_found")
        ) {
          this.#refused = error;
          this.options.log.warn({ err: error }, "the appservice refused the answer; giving up on it");
        }
        throw error;
      }
    }
  }
}

function same(sent: { text: string; final: boolean } | null, want: { text: string; final: boolean }): boolean {
  return sent !== null && sent.text === want.text && sent.final === want.final;
}
