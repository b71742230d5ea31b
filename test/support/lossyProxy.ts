import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LossyProxy {
  readonly url: string;
  /** Every request that passed through, as "METHOD /path" (no query). */
  readonly seen: string[];
  /**
   * The next request whose method and path match reaches the homeserver, which handles
   * it, but its answer is thrown away and the client's connection cut: the client cannot
   * know whether it took effect.
   */
  loseNextAnswer(method: string, path: RegExp): void;
  close(): Promise<void>;
}

/** A plain HTTP proxy in front of a homeserver that can lose an answer on the way back. */
export async function startLossyProxy(target: string): Promise<LossyProxy> {
  const seen: string[] = [];
  let toLose: { method: string; path: RegExp } | undefined;
  const server: Server = createServer((incoming, outgoing) => {
    const pathname = new URL(incoming.url ?? "/", target).pathname;
    seen.push(`${incoming.method} ${pathname}`);
    const lose = toLose !== undefined && toLose.method === incoming.method && toLose.path.test(pathname);
    if (lose) toLose = undefined;
    const upstream = request(
      new URL(incoming.url ?? "/", target),
      { method: incoming.method, headers: incoming.headers },
      (answer: IncomingMessage) => {
        if (lose) {
          answer.resume();
          answer.once("end", () => incoming.socket.destroy());
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.once("error", () => incoming.socket.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    loseNextAnswer(method, path) {
      toLose = { method, path };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
