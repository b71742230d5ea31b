import { readFile } from "node:fs/promises";
import type { AgentUsage, SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import writeFileAtomic from "write-file-atomic";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import { replyNotice } from "../chat/replyNotice.ts";
import type { IdentitySource } from "../client/AgentIdentity.ts";
import { formatUsd, nextUtcMidnight, raisedLimit, utcDayLabel } from "./budgetMath.ts";

const YES_KEYS = new Set(["👍", "✅"]);
const NO_KEYS = new Set(["👎", "❌"]);

/** The owner's question of the day, kept on disk: an answer may arrive after a restart. */
interface AskedQuestion {
  eventId: string;
  day: string;
  raiseToUsd: number;
}

interface Waiter {
  resolve(admitted: boolean): void;
}

/**
 * The agent's daily cost limit, for all its sessions. Each finished turn's cost is recorded
 * with the appservice, which answers the agent's totals; a session about to start a turn
 * asks `admit` first. Past the limit, the turn waits: the room it came from is told, and
 * the owner is asked once in the DM whether to raise today's limit. Yes resumes the work,
 * as does the owner changing the limit in the console, or the next UTC day.
 */
export class BudgetGate {
  #usage: AgentUsage | null = null;
  /** The UTC day `#usage` counts as today. */
  #usageDay = "";
  #configured: number | null = null;
  #waiters = new Set<Waiter>();
  #midnight: NodeJS.Timeout | null = null;
  /** Records the appservice has not confirmed yet, retried with the next one. */
  #unsent: { sessionId: string; key: string; tokens: number; costUsd: number }[] = [];

  constructor(
    private readonly deps: {
      chat: ChatRequests;
      identity: IdentitySource;
      /** budget-question.json in the runtime's folder. */
      questionFile: string;
      log: Logger;
      now?: () => Date;
    },
  ) {}

  /** What pauses the agent's work now, for the sessions' state; null when nothing does. */
  get paused(): string | null {
    if (this.#waiters.size === 0 || !this.#usage) return null;
    return `daily cost limit reached: ${formatUsd(this.#usage.today.costUsd)} of ${formatUsd(this.#usage.dailyLimitUsd ?? 0)} spent today (UTC)`;
  }

  /** The limit the agent's environment.yaml sets (null for none), as a session read it. */
  async configure(dailyUsd: number | null): Promise<void> {
    this.#configured = dailyUsd;
    await this.#refresh();
  }

  /** Records what a turn cost (once per key) and keeps the totals the appservice answers. */
  async record(turn: { sessionId: string; key: string; tokens: number; costUsd: number }): Promise<void> {
    this.#unsent.push(turn);
    while (this.#unsent.length > 0) {
      const next = this.#unsent[0]!;
      try {
        this.#keep(await this.deps.chat.request("usage.record", next));
        this.#unsent.shift();
      } catch (error) {
        this.deps.log.warn({ err: error, key: next.key }, "could not record a turn's usage; retried with the next");
        return;
      }
    }
  }

  /** The owner changed the limit: work paused by it may go on. */
  changed(usage: AgentUsage): void {
    this.#keep(usage);
    this.#release();
  }

  /**
   * Resolves true once the agent may work on `signal`, at once when it is within its limit.
   * Past it, tells the room and asks the owner, then waits. False when `abort` fires first.
   */
  async admit(signal: SignalPayload, abort: AbortSignal, waiting?: () => void): Promise<boolean> {
    if (this.#usageDay !== utcDayLabel(this.#now())) await this.#refresh();
    if (this.#allowed()) return true;
    if (abort.aborted) return false;
    const admitted = new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve: (value) => {
          abort.removeEventListener("abort", onAbort);
          this.#waiters.delete(waiter);
          resolve(value);
        },
      };
      const onAbort = () => waiter.resolve(false);
      abort.addEventListener("abort", onAbort);
      this.#waiters.add(waiter);
    });
    waiting?.();
    this.#wakeAtMidnight();
    await this.#tellRoom(signal);
    await this.#askOwner();
    return admitted;
  }

  /** Takes the owner's answer to the question (a reaction, or a reply saying yes or no); true when it was one. */
  async answer(signal: SignalPayload): Promise<boolean> {
    const identity = await this.deps.identity.get();
    if (signal.sender !== identity.ownerUserId) return false;
    const relatesTo = signal.kind === "reaction" ? signal.reaction?.relatesTo : signal.inReplyTo;
    if (!relatesTo) return false;
    const question = await this.#readQuestion();
    if (question?.eventId !== relatesTo) return false;
    const yes =
      signal.kind === "reaction"
        ? YES_KEYS.has(signal.reaction?.key ?? "")
        : /^\s*(yes|y|ok|raise)\b/i.test(signal.body);
    const no =
      signal.kind === "reaction" ? NO_KEYS.has(signal.reaction?.key ?? "") : /^\s*(no|n|wait)\b/i.test(signal.body);
    if (!yes && !no) return false;
    if (question.day !== utcDayLabel(this.#now())) {
      await this.#tellOwner(
        "That question was for an earlier day: today's limit applies.",
        `budget-stale:${signal.id}`,
      );
      return true;
    }
    if (yes) {
      try {
        this.#keep(await this.deps.chat.request("budget.raise", { toUsd: question.raiseToUsd }));
      } catch (error) {
        this.deps.log.warn({ err: error }, "could not raise today's limit");
        await this.#tellOwner(
          "⚠️ I could not raise today's limit just now; react 👍 again in a moment.",
          `budget-raise-failed:${signal.id}`,
        );
        return true;
      }
      await this.#tellOwner(
        `Raised today's limit to ${formatUsd(question.raiseToUsd)}; going on.`,
        `budget-raised:${question.eventId}`,
      );
      this.#release();
    } else {
      await this.#tellOwner(
        "OK: I'll wait until 00:00 UTC, or until you raise my limit in the console (`aachat agent budget`).",
        `budget-declined:${question.eventId}`,
      );
    }
    return true;
  }

  /** Stops the midnight timer (the runtime is stopping); waiting sessions are stopped by their own abort. */
  close(): void {
    if (this.#midnight) clearTimeout(this.#midnight);
    this.#midnight = null;
  }

  #allowed(): boolean {
    const usage = this.#usage;
    return !usage || usage.dailyLimitUsd === null || usage.today.costUsd < usage.dailyLimitUsd;
  }

  #keep(usage: AgentUsage): void {
    this.#usage = usage;
    this.#usageDay = utcDayLabel(this.#now());
  }

  #release(): void {
    if (!this.#allowed()) return;
    for (const waiter of [...this.#waiters]) waiter.resolve(true);
    this.close();
  }

  async #refresh(): Promise<void> {
    try {
      this.#keep(await this.deps.chat.request("usage.totals", { configuredDailyLimitUsd: this.#configured }));
    } catch (error) {
      // Accounting that cannot be read does not stop the work; the next record or turn reads it again.
      this.deps.log.warn({ err: error }, "could not read the agent's usage");
    }
  }

  #wakeAtMidnight(): void {
    if (this.#midnight) return;
    const now = this.#now();
    this.#midnight = setTimeout(
      () => {
        this.#midnight = null;
        void this.#refresh().then(() => {
          this.#release();
          if (this.#waiters.size > 0) this.#wakeAtMidnight();
        });
      },
      nextUtcMidnight(now).getTime() - now.getTime() + 1_000,
    );
    this.#midnight.unref();
  }

  async #tellRoom(signal: SignalPayload): Promise<void> {
    const identity = await this.deps.identity.get();
    const where = signal.roomId === identity.dmRoomId ? "you" : identity.ownerUserId;
    await replyNotice(this.deps.chat, this.deps.log, signal, {
      body: `⏸️ I've reached my daily cost limit (${this.paused ?? "today"}). I've asked ${where} whether to go on; this message waits until then.`,
      key: `budget-wait:${signal.id}`,
      failure: "could not say the work waits for the budget",
    });
  }

  async #askOwner(): Promise<void> {
    const usage = this.#usage;
    if (!usage || usage.dailyLimitUsd === null) return;
    const day = utcDayLabel(this.#now());
    const raiseToUsd = raisedLimit(usage.dailyLimitUsd, usage.today.costUsd);
    const identity = await this.deps.identity.get();
    try {
      const { eventId } = await this.deps.chat.request("message.send", {
        roomId: identity.dmRoomId,
        notice: true,
        mentions: [identity.ownerUserId],
        body: [
          `⏸️ **Daily cost limit reached**: I've spent ${formatUsd(usage.today.costUsd)} today (UTC); my limit is ${formatUsd(usage.dailyLimitUsd)}.`,
          `React 👍 to raise today's limit to ${formatUsd(raiseToUsd)} and go on, or 👎 to wait until 00:00 UTC.`,
          `To change the limit for good: the console, or \`aachat agent budget ${identity.name} USD\`.`,
        ].join("\n"),
        // One question per day and limit: a restart or a second waiting message asks it no more.
        key: `budget-ask:${day}:${usage.dailyLimitUsd}`,
      });
      await writeFileAtomic(this.deps.questionFile, `${JSON.stringify({ eventId, day, raiseToUsd })}\n`, {
        mode: 0o600,
      });
      for (const key of ["👍", "👎"]) {
        await this.deps.chat
          .request("reaction.send", { roomId: identity.dmRoomId, eventId, key })
          .catch((error: unknown) => this.deps.log.debug({ err: error }, "could not offer an answer reaction"));
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, "could not ask the owner about the budget");
    }
  }

  async #tellOwner(body: string, key: string): Promise<void> {
    const identity = await this.deps.identity.get();
    await this.deps.chat
      .request("message.send", { roomId: identity.dmRoomId, notice: true, body, key })
      .catch((error: unknown) => this.deps.log.warn({ err: error }, "could not answer the owner"));
  }

  async #readQuestion(): Promise<AskedQuestion | null> {
    try {
      return JSON.parse(await readFile(this.deps.questionFile, "utf8")) as AskedQuestion;
    } catch {
      return null;
    }
  }

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
