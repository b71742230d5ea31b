import type { Logger } from "pino";
import type { MatrixEvent } from "../matrix/events.ts";

/**
 * One concern that reacts to room events (bot invites, mentions, power-level guards...).
 *
 * `handle` is called once per stored event, in arrival order, only after the event is
 * durable in the database. It may be called again for the same event after a crash
 * (the event was handled but not yet marked processed), so it must be idempotent.
 * Throwing marks the event for a retry; it must not swallow errors it wants retried.
 */
export interface EventHandler {
  readonly name: string;
  handle(event: MatrixEvent, log: Logger): Promise<void>;
}
