import type { MatrixEvent } from "../matrix/events.ts";

/** The classes events are counted by: a handful of values, whatever types the homeserver sends. */
export type EventClass = "message" | "reaction" | "redaction" | "encrypted" | "member" | "state" | "other";

export function eventClass(event: Pick<MatrixEvent, "type" | "state_key">): EventClass {
  switch (event.type) {
    case "m.room.message":
      return "message";
    case "m.reaction":
      return "reaction";
    case "m.room.redaction":
      return "redaction";
    case "m.room.encrypted":
      return "encrypted";
    case "m.room.member":
      return "member";
    default:
      return event.state_key === undefined ? "other" : "state";
  }
}
