import { chmod, unlink } from "node:fs/promises";
import net from "node:net";
import type { Logger } from "pino";
import { controlRequest, type ControlRequest, type ControlResponse } from "./controlProtocol.ts";
import { controlCall, ControlUnavailableError } from "./controlClient.ts";

/** Another runtime of the same agent holds the control socket. */
export class AlreadyRunningError extends Error {
  override readonly name = "AlreadyRunningError";
  constructor(
    readonly agent: string,
    readonly pid: number | null,
  ) {
    super(`the runtime of ${agent} is already running${pid ? ` (pid ${pid})` : ""}`);
  }
}

const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The runtime's control socket. Listening on it is the runtime's lock: a second runtime
 * of the same agent finds it answering and stops. A socket file left by a runtime that
 * died is taken over. Each connection sends JSON lines and gets one JSON line per request.
 */
export class ControlServer {
  private constructor(
    private readonly server: net.Server,
    readonly socketPath: string,
  ) {}

  static async listen(
    socketPath: string,
    agent: string,
    handle: (request: ControlRequest) => Promise<ControlResponse>,
    log: Logger,
  ): Promise<ControlServer> {
    const server = net.createServer((socket) => serve(socket, handle, log));
    try {
      await listenOn(server, socketPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      const holder = await controlCall(socketPath, { op: "status" }, 2_000).catch((probe: unknown) => probe);
      if (!(holder instanceof ControlUnavailableError)) {
        const pid = isStatusAnswer(holder) ? holder.status.pid : null;
        throw new AlreadyRunningError(agent, pid);
      }
      log.info({ socketPath }, "taking over the control socket of a runtime that is gone");
      await unlink(socketPath).catch(() => undefined);
      await listenOn(server, socketPath);
    }
    await chmod(socketPath, 0o600);
    return new ControlServer(server, socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await unlink(this.socketPath).catch(() => undefined);
  }
}

function isStatusAnswer(value: unknown): value is { ok: true; status: { pid: number } } {
  return typeof value === "object" && value !== null && "status" in value;
}

function listenOn(server: net.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(socketPath);
  });
}

function serve(socket: net.Socket, handle: (request: ControlRequest) => Promise<ControlResponse>, log: Logger): void {
  socket.setEncoding("utf8");
  let buffer = "";
  let chain = Promise.resolve();
  const reply = (response: ControlResponse) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  };
  socket.on("error", (error) => log.debug({ err: error }, "control connection error"));
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    if (Buffer.byteLength(buffer) > MAX_LINE_BYTES) {
      reply({ ok: false, error: "request too large" });
      socket.destroy();
      return;
    }
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      chain = chain.then(async () => {
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          return reply({ ok: false, error: "not JSON: send one JSON object per line" });
        }
        const parsed = controlRequest.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return reply({ ok: false, error: `bad request: ${issue?.path.join(".") || "request"}: ${issue?.message}` });
        }
        try {
          reply(await handle(parsed.data));
        } catch (error) {
          reply({ ok: false, error: (error as Error).message });
        }
      });
    }
  });
}
