import { z } from "zod";

/** A room event as the homeserver pushes it in a transaction; only what every event has is required. */
export const matrixEventSchema = z.looseObject({
  event_id: z.string().min(1).max(255),
  room_id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  sender: z.string().min(1).max(255),
  content: z.record(z.string(), z.unknown()),
  state_key: z.string().optional(),
  origin_server_ts: z.number().optional(),
  unsigned: z.record(z.string(), z.unknown()).optional(),
});

export type MatrixEvent = z.infer<typeof matrixEventSchema>;
