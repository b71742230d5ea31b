import { z } from "zod";
import { commandNames, commands, type CommandName, type CommandParams } from "./commands.ts";
import { failure, frameId, isoTime, roomId, userId, version } from "./common.ts";
import { requestMethodNames, requestMethods, type ParsedRequestParams, type RequestMethod } from "./methods.ts";
import { signalPayload } from "./signals.ts";
import { runtimeState } from "./state.ts";

/**
 * The frames on the WebSocket between the appservice and an agent's runtime
 * (`GET /runtime/v1/socket`). Every frame is a JSON object with the protocol version `v`
 * and a `type`.
 *
 * - Signals: the server sends `signal`s; the runtime answers each with `ack` once it has
 *   taken the signal over durably. Unacknowledged signals are sent again on the next connection.
 * - Requests: the runtime asks the server to act as its agent (`request`, see methods.ts);
 *   the server answers with a `response` of the same `id`.
 * - Commands: the server passes on the owner's session controls (`command`, see
 *   commands.ts); the runtime answers with a `command_result` of the same `id`.
 * - State: the runtime reports its sessions (`state`) whenever they change.
 * - A frame that cannot be read gets an `error` naming it by its `id`, when it had one.
 */

// ---- server → runtime ----

export const helloFrame = z.strictObject({
  v: version,
  type: z.literal("hello"),
  /** The agent this connection acts as, from its runtime token. */
  agent: z.strictObject({
    name: z.string(),
    userId,
    displayName: z.string(),
    ownerUserId: userId,
    dmRoomId: roomId,
  }),
  serverTime: isoTime,
});
export type HelloFrame = z.infer<typeof helloFrame>;

/** A mention, DM or reaction for the agent; sent again on every connection until acknowledged. */
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

/** The answer to a runtime's `request`; `result` has the shape methods.ts gives for its method. */
export const responseFrame = z.union([
  z.strictObject({ v: version, type: z.literal("response"), id: frameId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ v: version, type: z.literal("response"), id: frameId, ok: z.literal(false), error: failure }),
]);
export type ResponseFrame = z.infer<typeof responseFrame>;

export type CommandFrame = {
  [C in CommandName]: { v: 1; type: "command"; id: string; name: C; params: CommandParams<C> };
}[CommandName];

export const commandFrame = z.discriminatedUnion(
  "name",
  commandNames.map((name) =>
    z.strictObject({
      v: version,
      type: z.literal("command"),
      id: frameId,
      name: z.literal(name),
      params: commands[name].params,
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<CommandFrame>;

export type ServerFrame = HelloFrame | SignalFrame | ErrorFrame | PongFrame | ResponseFrame | CommandFrame;

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

export type RequestFrame = {
  [M in RequestMethod]: { v: 1; type: "request"; id: string; method: M; params: ParsedRequestParams<M> };
}[RequestMethod];

export const requestFrame = z.discriminatedUnion(
  "method",
  requestMethodNames.map((method) =>
    z.strictObject({
      v: version,
      type: z.literal("request"),
      id: frameId,
      method: z.literal(method),
      params: requestMethods[method].params,
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<RequestFrame>;

/** The answer to a `command`; `result` has the shape commands.ts gives for its name. */
export const commandResultFrame = z.union([
  z.strictObject({
    v: version,
    type: z.literal("command_result"),
    id: frameId,
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.strictObject({ v: version, type: z.literal("command_result"), id: frameId, ok: z.literal(false), error: failure }),
]);
export type CommandResultFrame = z.infer<typeof commandResultFrame>;

export const stateFrame = z.strictObject({ v: version, type: z.literal("state"), state: runtimeState });
export type StateFrame = z.infer<typeof stateFrame>;

export type RuntimeFrame = AckFrame | PingFrame | RequestFrame | CommandResultFrame | StateFrame;

// ---- parsing ----

const serverFrames: Record<ServerFrame["type"], z.ZodType<ServerFrame>> = {
  hello: helloFrame,
  signal: signalFrame,
  error: errorFrame,
  pong: pongFrame,
  response: responseFrame,
  command: commandFrame,
};

const runtimeFrames: Record<RuntimeFrame["type"], z.ZodType<RuntimeFrame>> = {
  ack: ackFrame,
  ping: pingFrame,
  request: requestFrame,
  command_result: commandResultFrame,
  state: stateFrame,
};

export interface FrameError {
  code: ErrorCode;
  message: string;
  /** The offending frame's `id`, when it was readable. */
  frameId: string | null;
}

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: FrameError };

/** Parses a frame the runtime sent. Never throws. */
export function parseRuntimeFrame(text: string): ParseResult<RuntimeFrame> {
  return parseFrame(runtimeFrames, text);
}

/** Parses a frame the server sent. Never throws. */
export function parseServerFrame(text: string): ParseResult<ServerFrame> {
  return parseFrame(serverFrames, text);
}

function parseFrame<T>(schemas: Record<string, z.ZodType<T>>, text: string): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return failed("not_json", "the frame is not valid JSON; send one JSON object per text frame", null);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return failed("invalid_frame", "the frame must be a JSON object with `v` and `type`", null);
  }
  const fields = json as Record<string, unknown>;
  const id = frameId.safeParse(fields.id).data ?? null;
  if (fields.v !== 1) {
    return failed(
      "unsupported_version",
      `protocol version ${JSON.stringify(fields.v ?? null)} is not supported; send "v": 1`,
      id,
    );
  }
  const types = Object.keys(schemas);
  const schema = typeof fields.type === "string" && Object.hasOwn(schemas, fields.type) ? schemas[fields.type] : null;
  if (!schema) {
    return failed(
      "unknown_type",
      `frame type ${JSON.stringify(fields.type ?? null)} is unknown; expected one of ${types.join(", ")}`,
      id,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "frame"}: ${issue.message}`);
    return failed("invalid_frame", `bad ${String(fields.type)} frame: ${problems.join("; ")}`, id);
  }
  return { ok: true, frame: parsed.data };
}

function failed(code: ErrorCode, message: string, frameId: string | null): { ok: false; error: FrameError } {
  return { ok: false, error: { code, message, frameId } };
}
