import type { SignalPayload } from "@aachat/protocol";

/**
 * What a session does, one after another: answer a signal (with the agent's slash command it
 * asks for, if any), or compact its conversation.
 */
export type SessionWork =
  | { kind: "signal"; signal: SignalPayload; command?: string | null }
  | { kind: "compact"; done: (compacted: boolean) => void };

export interface TurnQueueOptions {
  /** Whether work may be taken up now; when not, the queue waits until resumed. */
  mayTake(): boolean;
  /** An item was taken off the queue (its length changed). */
  taken(): void;
  /** Carries out one item; the next one waits for it. */
  run(work: SessionWork): Promise<void>;
}

/**
 * A session's queued work, carried out in order, one item at a time, whenever the session
 * takes work. Items added while it cannot wait for the next resume().
 */
export class TurnQueue {
  readonly #items: SessionWork[] = [];
  #draining: Promise<void> | null = null;

  constructor(private readonly options: TurnQueueOptions) {}

  get length(): number {
    return this.#items.length;
  }

  /** Resolves once the item being carried out (if any) is done. */
  get idle(): Promise<void> | null {
    return this.#draining;
  }

  push(work: SessionWork): void {
    this.#items.push(work);
  }

  /** Puts an item back at the front: it is carried out next. */
  pushFront(work: SessionWork): void {
    this.#items.unshift(work);
  }

  /** Empties the queue, handing back what it held. */
  takeAll(): SessionWork[] {
    return this.#items.splice(0);
  }

  /** Carries out the queued items, unless that is already going on. */
  resume(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // Work added while the last item finished.
      if (this.#items.length > 0 && this.options.mayTake()) this.resume();
    });
  }

  async #drain(): Promise<void> {
    while (this.#items.length > 0) {
      if (!this.options.mayTake()) return;
      const work = this.#items.shift()!;
      this.options.taken();
      await this.options.run(work);
    }
  }
}
