import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Cinny's built www folder (test tooling beside the project, never copied into it):
 * AACHAT_CINNY_DIR, else ../shared/clients/cinny/www next to this checkout, else /work/shared's.
 */
export function findCinnyDir(): string | undefined {
  const beside = fileURLToPath(new URL("../../../shared/clients/cinny/www", import.meta.url));
  const candidates = [process.env.AACHAT_CINNY_DIR, beside, "/work/shared/clients/cinny/www"];
  return candidates.find((dir): dir is string => !!dir && existsSync(path.join(dir, "index.html")));
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
};

export interface CinnyServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves Cinny the way its nginx config does: its own config.json (pointing at our
 * homeserver), any path ending in /olm.wasm as /olm.wasm, and index.html for every other
 * path that is not a file (client-side routes).
 */
export async function serveCinny(wwwDir: string, homeserverUrl: string): Promise<CinnyServer> {
  const config = JSON.stringify({
    defaultHomeserver: 0,
    homeserverList: [homeserverUrl],
    allowCustomHomeservers: false,
    featuredCommunities: { openAsDefault: false, spaces: [], rooms: [], servers: [] },
    hashRouter: { enabled: false, basename: "/" },
  });
  const root = path.resolve(wwwDir);
  const fileAt = async (urlPath: string): Promise<string | undefined> => {
    const file = path.resolve(root, `.${decodeURIComponent(urlPath)}`);
    if (!file.startsWith(`${root}${path.sep}`)) return undefined;
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? file : undefined;
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const urlPath = new URL(request.url ?? "/", "http://cinny").pathname;
      if (urlPath === "/config.json") {
        response.writeHead(200, { "content-type": "application/json" }).end(config);
        return;
      }
      const file = urlPath.endsWith("/olm.wasm")
        ? path.join(root, "olm.wasm")
        : ((await fileAt(urlPath)) ?? path.join(root, "index.html"));
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
    })().catch((error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
