import net from "node:net";
import { controlResponse, type ControlRequest, type ControlResponse } from "./controlProtocol.ts";

/** Nothing answers on the control socket: the runtime is not running. */
export class ControlUnavailableError extends Error {
  override readonly name: string = "ControlUnavailableError";
}

/** The runtime took the request and went away before answering: it is not running any more, or soon will not be. */
export class ControlClosedError extends ControlUnavailableError {
  override readonly name = "ControlClosedError";
}

/** Sends one request to a runtime's control socket and resolves with its answer. */
export function controlCall(socketPath: string, request: ControlRequest, timeoutMs = 10_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    socket.setEncoding("utf8");
    let buffer = "";
    let settled = false;
    const finish = (error: Error | null, response?: ControlResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(
      () => finish(new ControlUnavailableError(`the runtime did not answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const parsed = controlResponse.safeParse(safeJson(buffer.slice(0, newline)));
      if (parsed.success) finish(null, parsed.data);
      else finish(new Error("the runtime answered with something unreadable"));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED")
        finish(new ControlUnavailableError("the runtime is not running"));
      // A runtime that exits as it answers (a stop) can reset the connection before the answer is read.
      else if (error.code === "ECONNRESET" || error.code === "EPIPE")
        finish(new ControlClosedError("the runtime closed the connection"));
      else finish(error);
    });
    socket.on("close", () => finish(new ControlClosedError("the runtime closed the connection")));
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
