/**
 * Whether an error means the database could not be used at all (PostgreSQL restarting or
 * unreachable) rather than that this statement failed: work that meets it is tried again
 * later, not counted as a failure of what it was doing.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 6; depth++) {
    if (typeof cause !== "object") return false;
    const { code, kind, message, originalCode } = cause as Record<string, unknown>;
    // Prisma: can't reach the server, timed out, the server closed the connection.
    if (code === "P1001" || code === "P1002" || code === "P1008" || code === "P1017") return true;
    // PostgreSQL: shutting down or starting up (57P0x), connection exceptions (08xxx).
    const pgCode =
      typeof originalCode === "string" ? originalCode : kind === "postgres" && typeof code === "string" ? code : "";
    if (/^(57P0[1-4]|08)/.test(pgCode)) return true;
    if (
      kind === "DatabaseNotReachable" ||
      (typeof message === "string" &&
        /DatabaseNotReachable|Can't reach database server|Connection terminated/.test(message))
    )
      return true;
    const record = cause as Record<string, unknown>;
    const meta = record.meta as Record<string, unknown> | undefined;
    cause = record.cause ?? meta?.driverAdapterError;
  }
  return false;
}
