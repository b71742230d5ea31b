import { createHash } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { AGENT_LOCALPART_PREFIX, localpartOf } from "../matrix/ids.ts";
import { ApiError } from "./ApiError.ts";

const CACHE_MS = 60_000;
const MAX_CACHE = 10_000;

/** Who a request is from, once the homeserver vouched for its token. */
export interface Caller {
  userId: string;
}

declare module "express-serve-static-core" {
  interface Request {
    caller?: Caller;
  }
}

/**
 * Every API request carries the human's own Matrix access token; the homeserver's
 * /account/whoami says whose it is. Answers are cached briefly by the token's hash
 * (never the token itself), so a revoked token stops working within a minute.
 */
export class HomeserverAuth {
  readonly #cache = new Map<string, { userId: string; until: number }>();

  constructor(
    private readonly homeserverUrl: string,
    private readonly serverName: string,
    private readonly onFirstSeen: (userId: string) => Promise<unknown>,
  ) {}

  middleware() {
    return (req: Request, _res: Response, next: NextFunction): void => {
      this.#authenticate(req.headers.authorization).then(
        (caller) => {
          req.caller = caller;
          next();
        },
        (error: unknown) => next(error),
      );
    };
  }

  async #authenticate(header: string | undefined): Promise<Caller> {
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
    if (!token) throw new ApiError("unauthorized", "missing access token; log in with `aachat login`");
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.#cache.get(key);
    if (cached && cached.until > Date.now()) return { userId: cached.userId };
    const userId = await this.#whoami(token);
    if (!userId.endsWith(`:${this.serverName}`) || localpartOf(userId).startsWith(AGENT_LOCALPART_PREFIX)) {
      throw new ApiError("forbidden", "only humans of this homeserver can use the aachat API");
    }
    await this.onFirstSeen(userId);
    if (this.#cache.size >= MAX_CACHE) this.#cache.clear();
    this.#cache.set(key, { userId, until: Date.now() + CACHE_MS });
    return { userId };
  }

  async #whoami(token: string): Promise<string> {
    let response: globalThis.Response;
    try {
      response = await fetch(`${this.homeserverUrl}/_matrix/client/v3/account/whoami`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new ApiError("homeserver_error", "the homeserver could not be reached to check your token; try again");
    }
    const body = (await response.json().catch(() => ({}))) as { user_id?: unknown };
    if (response.status === 401 || response.status === 403) {
      throw new ApiError("unauthorized", "your access token is not valid (anymore); log in again with `aachat login`");
    }
    if (!response.ok || typeof body.user_id !== "string") {
      throw new ApiError("homeserver_error", `the homeserver answered ${response.status} when checking your token`);
    }
    return body.user_id;
  }
}
