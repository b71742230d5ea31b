import type { FailureCode } from "@aachat/protocol";

/**
 * What went wrong, in the domain's words. The domain (model, Matrix, runtime socket)
 * throws these; each edge maps the code once: the HTTP API to a status and its error code
 * (api/httpErrors.ts), the runtime socket to a request failure (same codes as the protocol).
 */
export type DomainErrorCode = Extract<
  FailureCode,
  "invalid" | "forbidden" | "not_found" | "conflict" | "unavailable" | "timeout" | "internal"
>;

/** A failure the caller can act on; the message says what to do. */
export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}
