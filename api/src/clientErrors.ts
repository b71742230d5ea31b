/** The server answered with `{ error: { code, message } }` (or at least an error status). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: the server is not running, or not at this address. */
export class ServerUnreachableError extends Error {
  override readonly name = "ServerUnreachableError";
  constructor(
    readonly serverUrl: string,
    timeoutMs?: number,
  ) {
    super(
      timeoutMs === undefined
        ? `cannot reach the aachat server at ${serverUrl}; is \`aachat up\` running?`
        : `the aachat server at ${serverUrl} did not answer within ${timeoutMs / 1000} s`,
    );
  }
}

/** The server answered, but not with what the API's schemas say: most likely a different version. */
export class ApiResponseError extends Error {
  override readonly name = "ApiResponseError";
}
