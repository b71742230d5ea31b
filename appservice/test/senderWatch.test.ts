import { once } from "node:events";
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { coalesced, SenderWatch } from "../src/inbox/SenderWatch.ts";

/** A real loopback connection: the server's end (what the appservice sees) and the peer's. */
async function connection(): Promise<{ ours: Socket; peer: Socket; server: Server }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const peer = connect(address.port, "127.0.0.1");
  const [ours] = await accepted;
  return { ours, peer, server };
}

describe("SenderWatch", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  async function watched() {
    const link = await connection();
    servers.push(link.server);
    const calls: string[] = [];
    const watch = new SenderWatch();
    watch.whenGone(() => calls.push("read back"));
    watch.transactionArrived(link.ours);
    return { ...link, calls, watch };
  }

  it("reads back when the sender closes its connection, and again at its next transaction", async () => {
    const { ours, peer, calls, watch } = await watched();
    watch.transactionArrived(ours); // the same connection again: nothing new
    expect(calls).toEqual([]);
    peer.destroy(); // the sender's process ends: its kernel closes the connection
    await once(ours, "close");
    expect(calls).toEqual(["read back"]);

    const next = await connection();
    servers.push(next.server);
    watch.transactionArrived(next.ours);
    expect(calls).toEqual(["read back", "read back"]);
    watch.transactionArrived(next.ours);
    expect(calls).toHaveLength(2);
    next.peer.destroy();
  });

  it("does nothing when the appservice closes an idle connection itself", async () => {
    const { ours, peer, calls } = await watched();
    ours.destroy(); // what the HTTP server's keep-alive timeout does
    await once(peer, "close");
    expect(calls).toEqual([]);
  });
});

describe("coalesced", () => {
  it("never overlaps runs and runs once more for calls made during a run", async () => {
    let running = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const run = coalesced(async () => {
      running++;
      expect(running).toBe(1);
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    });
    const first = run();
    const second = run();
    const third = run();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2); // the two calls during the first run made one more
    release();
    await Promise.all([first, second, third]);
    expect(runs).toBe(2);
  });
});
