import type { DomainError, DomainErrorCode } from "../errors/DomainError.ts";
import { ApiError, type ApiErrorCode } from "./ApiError.ts";

// The one place a domain failure becomes an HTTP answer. The domain is only ever
// "unavailable", "timeout" or "internal" because of the agent's runtime (the homeserver's
// failures arrive as MatrixApiError), so those keep their runtime_* codes on the wire.
const API_CODE: Record<DomainErrorCode, ApiErrorCode> = {
  invalid: "invalid_request",
  forbidden: "forbidden",
  not_found: "not_found",
  conflict: "conflict",
  unavailable: "runtime_unavailable",
  timeout: "runtime_timeout",
  internal: "runtime_error",
};

export function toApiError(error: DomainError): ApiError {
  return new ApiError(API_CODE[error.code], error.message);
}
