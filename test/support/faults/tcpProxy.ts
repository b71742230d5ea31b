import net from "node:net";

/**
 * A TCP proxy on loopback in front of a server, whose connections a test can cut: both
 * sides see the connection end at once (a reset), as when a network drops it.
 */
export class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on a free port; resolves with the URL-ready `host:port`. */
  async listen(): Promise<string> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** How many connections pass through it now. */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  /** Cuts every connection through the proxy; new ones are accepted again. */
  cutAll(): void {
    for (const socket of this.#sockets) socket.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
