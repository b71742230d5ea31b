import type { Logger } from "pino";
import type { MatrixEvent } from "../matrix/events.ts";

/**
 * One concern that reacts to room events (bot invites, mentions, power-level guards...).
 *
 * `handle` is called once per stored event, only after the event is durable in the
 * database, in arrival order within its room: events of different rooms may be handled
 * at the same time, so a handler must not depend on another room's events. It may be
 * called again for the same event after a crash (the event was handled but not yet
 * marked processed), so it must be idempotent. Throwing marks the event for a retry; it
 * must not swallow errors it wants retried.
 */
export interface EventHandler {
  readonly name: string;
  handle(event: MatrixEvent, log: Logger): Promise<void>;
  /**
   * For a handler whose effects no other handler reads: takes a whole batch of events
   * (every room's, in arrival order) before any per-event handler sees them, to write
   * them in a few statements. If it throws, `handle` is called for each event instead.
   */
  handleBatch?(events: readonly MatrixEvent[], log: Logger): Promise<void>;
}
