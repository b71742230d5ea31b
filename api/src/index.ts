export * from "./schemas.ts";
export * from "./errors.ts";
export * from "./route.ts";
export { routes, type RouteName, type Routes } from "./routes.ts";
export { openApiDocument } from "./openapi.ts";
export { ApiClient, type ApiClientOptions, type SessionState } from "./client.ts";
export { ApiError, ApiResponseError, ServerUnreachableError } from "./clientErrors.ts";
export {
  joinRoom,
  markDirect,
  pendingInvites,
  MatrixCallError,
  type DirectChat,
  type MatrixCallFailure,
  type MatrixLogin,
} from "./matrixLanding.ts";
