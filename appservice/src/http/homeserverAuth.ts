import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { sendMatrixError } from "./matrixErrors.ts";

/**
 * Every request from the homeserver must carry the registration's hs_token, as
 * `Authorization: Bearer` (Matrix 1.4+) or the legacy `access_token` query parameter.
 */
export function requireHomeserverToken(hsToken: string) {
  const expected = Buffer.from(hsToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    const query = typeof req.query.access_token === "string" ? req.query.access_token : undefined;
    const provided = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : query;
    if (provided === undefined) {
      sendMatrixError(res, 401, "M_UNAUTHORIZED", "missing homeserver token");
      return;
    }
    const given = Buffer.from(provided);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      sendMatrixError(res, 403, "M_FORBIDDEN", "bad homeserver token");
      return;
    }
    next();
  };
}
