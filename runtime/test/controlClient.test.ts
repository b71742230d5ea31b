// How a call on a runtime's control socket ends, against a real Unix socket server.
import net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { controlCall, ControlClosedError, ControlUnavailableError } from "../src/control/controlClient.ts";

let dir: string;
let socketPath: string;
let server: net.Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "aachat-control-"));
  socketPath = path.join(dir, "control.sock");
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function serve(onConnection: (socket: net.Socket) => void): Promise<void> {
  server = net.createServer(onConnection);
  return new Promise((resolve) => server!.listen(socketPath, resolve));
}

describe("controlCall", () => {
  it("resolves with the runtime's answer", async () => {
    await serve((socket) => socket.once("data", () => socket.end(`${JSON.stringify({ ok: true, stopped: true })}\n`)));
    await expect(controlCall(socketPath, { op: "stop" })).resolves.toEqual({ ok: true, stopped: true });
  });

  it("says the runtime is not running when nothing listens, which is not a runtime going away", async () => {
    const error = await controlCall(socketPath, { op: "status" }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ControlUnavailableError);
    expect(error).not.toBeInstanceOf(ControlClosedError);
  });

  it("tells a runtime that took the request and closed the connection without answering (a stop)", async () => {
    await serve((socket) => socket.once("data", () => socket.end()));
    await expect(controlCall(socketPath, { op: "stop" })).rejects.toBeInstanceOf(ControlClosedError);
  });
});
