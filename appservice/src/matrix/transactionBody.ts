import { z } from "zod";
import { matrixEventSchema, type MatrixEvent } from "./events.ts";

/** Synapse puts at most 100 room events in a transaction; this leaves room and bounds the work. */
const MAX_EVENTS = 1000;
/**
 * Deeper than any real event (Synapse's own JSON encoder stops near 1,000 levels). Checked
 * before anything recursive touches the event, so no input can overflow the stack.
 */
export const MAX_EVENT_DEPTH = 64;

const transactionShape = z.looseObject({ events: z.array(z.unknown()).max(MAX_EVENTS) });

export type ParsedTransaction =
  { ok: true; events: MatrixEvent[]; rejected: { index: number; problem: string }[] } | { ok: false; problem: string };

/**
 * Reads the body of PUT /_matrix/app/v1/transactions/{txnId}. A body of the wrong shape is
 * refused whole; an event that is invalid on its own is set aside with its problem, and the
 * transaction's other events are kept. Ephemeral and to-device data are not used yet.
 */
export function parseTransaction(body: unknown): ParsedTransaction {
  const shape = transactionShape.safeParse(body);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    return { ok: false, problem: `${issue?.path.join(".")}: ${issue?.message}` };
  }
  const events: MatrixEvent[] = [];
  const rejected: { index: number; problem: string }[] = [];
  for (const [index, raw] of shape.data.events.entries()) {
    if (nestingDepth(raw, MAX_EVENT_DEPTH) > MAX_EVENT_DEPTH) {
      rejected.push({ index, problem: `nested deeper than ${MAX_EVENT_DEPTH} levels` });
      continue;
    }
    const event = matrixEventSchema.safeParse(raw);
    if (event.success) events.push(event.data);
    else {
      const issue = event.error.issues[0];
      rejected.push({ index, problem: `${issue?.path.join(".")}: ${issue?.message}` });
    }
  }
  return { ok: true, events, rejected };
}

/** How deep objects and arrays nest in `value`, counted without recursion and given up past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value: next, depth } = item;
    if (typeof next !== "object" || next === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(next)) stack.push({ value: child, depth: here });
  }
  return deepest;
}
