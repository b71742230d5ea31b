import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { isAgentUserId } from "../matrix/ids.ts";
import { ApiError } from "./ApiError.ts";

/** How long a token the homeserver vouched for is trusted for reads without asking again. */
const CACHE_MS = 5_000;
const MAX_CACHE = 10_000;

/** What the homeserver says of a token now: still whose it was, gone, or no answer. */
export type TokenCheck = "valid" | "invalid" | "unknown";

/** Who a request is from, once the homeserver vouched for its token. */
export interface Caller {
  userId: string;
  /** Asks the homeserver again, bypassing the cache: for long-lived requests such as the event stream. */
  recheck: () => Promise<TokenCheck>;
}

declare module "express-serve-static-core" {
  interface Request {
    caller?: Caller;
  }
}

/** The appservice's own identity: its token and the users it owns are never API callers. */
export interface AppserviceIdentity {
  asToken: string;
  botUserId: string;
  /** The registration's user namespace regexes (the agents' among them). */
  userNamespaces: readonly string[];
}

/**
 * Every API request carries the human's own Matrix access token; the homeserver's
 * /account/whoami says whose it is. Reads trust a cached answer (by the token's hash,
 * never the token itself) for a few seconds; every write asks the homeserver again, so a
 * logged-out token can change nothing at once and read nothing a few seconds later.
 */
export class HomeserverAuth {
  readonly #cache = new Map<string, { userId: string; until: number }>();
  readonly #namespaces: RegExp[];
  readonly #asTokenHash: Buffer;

  constructor(
    private readonly homeserverUrl: string,
    private readonly serverName: string,
    private readonly identity: AppserviceIdentity,
    private readonly onFirstSeen: (userId: string) => Promise<unknown>,
  ) {
    this.#asTokenHash = sha256(identity.asToken);
    // Homeservers match namespaces from the start of the user id (Python's re.match).
    this.#namespaces = identity.userNamespaces.flatMap((regex) => {
      try {
        return [new RegExp(`^(?:${regex})`)];
      } catch {
        return [];
      }
    });
  }

  middleware() {
    return (req: Request, _res: Response, next: NextFunction): void => {
      const fresh = req.method !== "GET" && req.method !== "HEAD";
      this.#authenticate(req.headers.authorization, fresh).then(
        (caller) => {
          req.caller = caller;
          next();
        },
        (error: unknown) => next(error),
      );
    };
  }

  async #authenticate(header: string | undefined, fresh: boolean): Promise<Caller> {
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
    if (!token) throw new ApiError("unauthorized", "missing access token; log in with `aachat login`");
    const key = sha256(token);
    if (timingSafeEqual(key, this.#asTokenHash)) {
      throw new ApiError(
        "forbidden",
        "the appservice's own token (as_token) is not an API user; use a human's Matrix login (`aachat login`)",
      );
    }
    const cacheKey = key.toString("hex");
    const recheck = () => this.#recheck(token, cacheKey);
    const cached = this.#cache.get(cacheKey);
    if (!fresh && cached && cached.until > Date.now()) return { userId: cached.userId, recheck };
    const userId = await this.#whoami(token).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === "unauthorized") this.#cache.delete(cacheKey);
      throw error;
    });
    this.#refuseNonHumans(userId);
    await this.onFirstSeen(userId);
    if (this.#cache.size >= MAX_CACHE) this.#cache.clear();
    this.#cache.set(cacheKey, { userId, until: Date.now() + CACHE_MS });
    return { userId, recheck };
  }

  async #recheck(token: string, cacheKey: string): Promise<TokenCheck> {
    try {
      const userId = await this.#whoami(token);
      this.#cache.set(cacheKey, { userId, until: Date.now() + CACHE_MS });
      return "valid";
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "unauthorized")) return "unknown";
      this.#cache.delete(cacheKey);
      return "invalid";
    }
  }

  /** Only humans of this homeserver: not the appservice's bot, not its agents, not other servers' users. */
  #refuseNonHumans(userId: string): void {
    if (!userId.endsWith(`:${this.serverName}`)) {
      throw new ApiError("forbidden", `only humans of ${this.serverName} can use the aachat API (you are ${userId})`);
    }
    if (userId === this.identity.botUserId) {
      throw new ApiError(
        "forbidden",
        `${userId} is the appservice's own bot, not an API user; use a human's Matrix login (\`aachat login\`)`,
      );
    }
    if (isAgentUserId(userId, this.serverName) || this.#namespaces.some((namespace) => namespace.test(userId))) {
      throw new ApiError(
        "forbidden",
        `${userId} belongs to the appservice (an agent), not a human; an agent's runtime connects with its runtime token`,
      );
    }
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

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
