import type { Duplex } from "node:stream";
import { STATUS_CODES, type IncomingMessage } from "node:http";

/** The bearer token of an upgrade request, or undefined when there is none. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

/** Answers an upgrade request with a plain HTTP error and closes the socket, without upgrading. */
export function rejectUpgrade(socket: Duplex, status: number, errcode: string, message: string): void {
  const body = JSON.stringify({ errcode, error: message });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer realm="aachat runtime"'] : []),
  ];
  socket.end(`${headers.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
}
