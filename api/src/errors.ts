import { z } from "zod";

/** The error codes the API answers with, in `{ error: { code, message } }`. */
export const apiErrorCodes = [
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "invalid_request",
  "homeserver_error",
  "runtime_unavailable",
  "runtime_error",
  "runtime_timeout",
  "internal",
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** Every error response's body; the message says what went wrong and what to do. */
export const apiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiErrorBody = z.infer<typeof apiError>;
