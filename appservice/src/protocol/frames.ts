import { z } from "zod";

/**
 * The runtime protocol: the frames on the WebSocket between the appservice and an agent's
 * runtime (`GET /runtime/v1/socket`). This file is its one definition; both sides parse
 * with these schemas. It imports nothing but zod so the runtime package can import it.
 *
 * Every frame is a JSON object with the protocol version `v` and a `type`. Frames a runtime
 * sends may carry an `id` of its choosing; an `error` about that frame names it in `frameId`.
 */

export const PROTOCOL_VERSION = 1;
/** Larger frames get a `too_large` error; far larger ones close the connection. */
export const MAX_FRAME_BYTES = 64 * 1024;

const version = z.literal(PROTOCOL_VERSION);
const frameId = z.string().min(1).max(128);

// ---- server → runtime ----

export const helloFrame = z.strictObject({
  v: version,
  type: z.literal("hello"),
  /** The agent this connection acts as, from its runtime token. */
  agent: z.strictObject({ name: z.string(), userId: z.string() }),
  serverTime: z.iso.datetime(),
});
export type HelloFrame = z.infer<typeof helloFrame>;

export const signalPayload = z.strictObject({
  id: z.string(),
  roomId: z.string(),
  eventId: z.string(),
  /** Null for a DM signal; then team and project are null too. */
  projectId: z.number().int().nullable(),
  team: z.string().nullable(),
  project: z.string().nullable(),
  threadRootId: z.string().nullable(),
  sender: z.string(),
  body: z.string(),
  createdAt: z.iso.datetime(),
});
export type SignalPayload = z.infer<typeof signalPayload>;

/** A mention or DM for the agent; sent again on every connection until acknowledged. */
export const signalFrame = z.strictObject({ v: version, type: z.literal("signal"), signal: signalPayload });
export type SignalFrame = z.infer<typeof signalFrame>;

export const errorCode = z.enum([
  "not_json",
  "invalid_frame",
  "unknown_type",
  "unsupported_version",
  "too_large",
  "unknown_signal",
  "internal",
]);
export type ErrorCode = z.infer<typeof errorCode>;

export const errorFrame = z.strictObject({
  v: version,
  type: z.literal("error"),
  code: errorCode,
  message: z.string(),
  /** The `id` of the frame this error is about, when it had one. */
  frameId: frameId.nullable(),
});
export type ErrorFrame = z.infer<typeof errorFrame>;

export const pongFrame = z.strictObject({ v: version, type: z.literal("pong"), id: frameId.optional() });
export type PongFrame = z.infer<typeof pongFrame>;

export const serverFrame = z.discriminatedUnion("type", [helloFrame, signalFrame, errorFrame, pongFrame]);
export type ServerFrame = z.infer<typeof serverFrame>;

// ---- runtime → server ----

/** The runtime has taken the signal over; it is not sent again. */
export const ackFrame = z.strictObject({
  v: version,
  type: z.literal("ack"),
  id: frameId.optional(),
  signalId: z.string(),
});
export type AckFrame = z.infer<typeof ackFrame>;

export const pingFrame = z.strictObject({ v: version, type: z.literal("ping"), id: frameId.optional() });
export type PingFrame = z.infer<typeof pingFrame>;

export const runtimeFrame = z.discriminatedUnion("type", [ackFrame, pingFrame]);
export type RuntimeFrame = z.infer<typeof runtimeFrame>;

// ---- parsing ----

export interface FrameError {
  code: ErrorCode;
  message: string;
  /** The offending frame's `id`, when it was readable. */
  frameId: string | null;
}

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: FrameError };

type FrameUnion = typeof runtimeFrame | typeof serverFrame;

/** Parses a frame the runtime sent. Never throws. */
export function parseRuntimeFrame(text: string): ParseResult<RuntimeFrame> {
  return parseFrame(runtimeFrame, text);
}

/** Parses a frame the server sent. Never throws. */
export function parseServerFrame(text: string): ParseResult<ServerFrame> {
  return parseFrame(serverFrame, text);
}

function parseFrame<S extends FrameUnion>(schema: S, text: string): ParseResult<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return failure("not_json", "the frame is not valid JSON; send one JSON object per text frame", null);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return failure("invalid_frame", "the frame must be a JSON object with `v` and `type`", null);
  }
  const fields = json as Record<string, unknown>;
  const id = frameId.safeParse(fields.id).data ?? null;
  if (fields.v !== PROTOCOL_VERSION) {
    return failure(
      "unsupported_version",
      `protocol version ${JSON.stringify(fields.v ?? null)} is not supported; send "v": ${PROTOCOL_VERSION}`,
      id,
    );
  }
  const types: string[] = schema.options.map((option) => option.shape.type.value);
  if (typeof fields.type !== "string" || !types.includes(fields.type)) {
    return failure(
      "unknown_type",
      `frame type ${JSON.stringify(fields.type ?? null)} is unknown; expected one of ${types.join(", ")}`,
      id,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`);
    return failure("invalid_frame", `bad ${fields.type} frame: ${problems.join("; ")}`, id);
  }
  return { ok: true, frame: parsed.data as z.infer<S> };
}

function failure(code: ErrorCode, message: string, frameId: string | null): { ok: false; error: FrameError } {
  return { ok: false, error: { code, message, frameId } };
}
