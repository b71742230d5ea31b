/**
 * WebSocket close codes of the runtime socket (4000–4999 is the range RFC 6455 leaves to
 * applications). The close frame's reason says more, in words for the owner's log.
 */
export const RUNTIME_CLOSE = {
  /** RFC 6455's normal closure: the runtime is stopping. */
  stopping: 1000,
  /** RFC 6455's going away: the appservice is stopping; the runtime reconnects. */
  serverStopping: 1001,
  /** Another connection with the same agent's token took over; the closed runtime stops for good. */
  replaced: 4000,
  /** The agent's runtime token was rotated or revoked (or the agent deleted); the runtime stops for good. */
  credentialsChanged: 4001,
  /**
   * The runtime sent more than the appservice takes from one connection while it left the
   * answers unread; the runtime may reconnect after a backoff.
   */
  overloaded: 4002,
} as const;

export type RuntimeCloseCode = (typeof RUNTIME_CLOSE)[keyof typeof RUNTIME_CLOSE];

/** The reasons sent with those codes whose reason is always the same (a close reason has at most 123 bytes). */
export const RUNTIME_CLOSE_REASON = {
  replaced: "replaced by a newer connection with this agent's token",
  overloaded: "overloaded: too many requests while answers went unread; read answers before sending more",
} as const;
