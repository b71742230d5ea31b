/**
 * What one runtime connection may ask of the appservice at once. A runtime past a limit is
 * slowed: the appservice stops reading its socket until the limit is met again, so the
 * runtime's own frames wait on its side. One that leaves its answers unread for too long
 * is disconnected (RUNTIME_CLOSE.overloaded). Other runtimes and the HTTP API go on as usual.
 */

/** Requests (and acknowledgements) of one runtime the appservice works on at once. */
export const MAX_REQUESTS_IN_FLIGHT = 16;

/** Bytes of answers waiting for the runtime to read them (ws `bufferedAmount`) before its socket is no longer read. */
export const MAX_UNREAD_BYTES = 1024 * 1024;

/** Reading starts again once the runtime has read its answers down to this. */
export const RESUME_UNREAD_BYTES = MAX_UNREAD_BYTES / 2;

/** How long a runtime may keep MAX_UNREAD_BYTES unread before it is disconnected. */
export const MAX_UNREAD_STALL_MS = 15_000;

/**
 * Frames already taken off the socket before the pause took effect wait for a free slot;
 * more than this many waiting means the runtime defeated the pause, and it is disconnected.
 */
export const MAX_WAITING_REQUESTS = 1024;

/** How long an overloaded runtime has to read what is queued and the close frame before its socket is cut. */
export const OVERLOAD_CLOSE_GRACE_MS = 10_000;
