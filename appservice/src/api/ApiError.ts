import type { ApiErrorCode } from "@aachat/api";

export type { ApiErrorCode };

const STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_request: 400,
  homeserver_error: 502,
  /** The agent's runtime is not connected. */
  runtime_unavailable: 503,
  /** The agent's runtime tried and failed. */
  runtime_error: 502,
  /** The agent's runtime did not answer in time. */
  runtime_timeout: 504,
  internal: 500,
};

/** An error the API returns to its caller as `{ error: { code, message } }`; the message says what to do. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
