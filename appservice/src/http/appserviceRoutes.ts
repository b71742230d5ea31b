import express, { type Router } from "express";
import type { Logger } from "pino";
import type { Inbox } from "../inbox/Inbox.ts";
import type { SenderWatch } from "../inbox/SenderWatch.ts";
import { parseTransaction } from "../matrix/transactionBody.ts";
import type { TransactionMetrics } from "../metrics/AppserviceMetrics.ts";
import { requireHomeserverToken } from "./homeserverAuth.ts";
import { sendMatrixError } from "./matrixErrors.ts";

export interface AppserviceRoutesOptions {
  hsToken: string;
  inbox: Inbox;
  log: Logger;
  /** Called when the homeserver answers our ping (POST /_matrix/app/v1/ping). */
  onPing: (transactionId: string | undefined) => void;
  metrics?: TransactionMetrics;
  /** Told the connection of each transaction, to notice a sender that went away. */
  senderWatch?: SenderWatch;
}

/** The application service API the homeserver calls: /_matrix/app/v1/... */
export function appserviceRoutes(options: AppserviceRoutesOptions): Router {
  const { inbox, log } = options;
  const router = express.Router();
  router.use(requireHomeserverToken(options.hsToken));
  router.use(express.json({ limit: "20mb" }));

  router.put("/transactions/:txnId", async (req, res) => {
    const txnId = req.params.txnId;
    options.senderWatch?.transactionArrived(req.socket);
    const parsed = parseTransaction(req.body);
    if (!parsed.ok) {
      sendMatrixError(res, 400, "M_BAD_JSON", `invalid transaction: ${parsed.problem}`);
      return;
    }
    const { events, rejected } = parsed;
    options.metrics?.transactionReceived(events);
    const stored = await inbox.store(txnId, events);
    log.debug({ txnId, events: events.length, stored }, "transaction received");
    if (stored > 0) void inbox.wake();
    if (rejected.length > 0) {
      log.warn({ txnId, rejected }, "transaction held invalid events; stored the others");
      const problems = rejected.map(({ index, problem }) => `events[${index}]: ${problem}`).join("; ");
      sendMatrixError(
        res,
        400,
        "M_BAD_JSON",
        `invalid events: ${problems} (the ${events.length} valid ones are stored)`,
      );
      return;
    }
    res.json({});
  });

  router.post("/ping", (req, res) => {
    const body: unknown = req.body;
    const transactionId =
      typeof body === "object" && body !== null && "transaction_id" in body && typeof body.transaction_id === "string"
        ? body.transaction_id
        : undefined;
    options.onPing(transactionId);
    res.json({});
  });

  // aachat creates every agent user and room itself; nothing is created on demand.
  router.get("/users/:userId", (_req, res) => sendMatrixError(res, 404, "M_NOT_FOUND", "no such user"));
  router.get("/rooms/:alias", (_req, res) => sendMatrixError(res, 404, "M_NOT_FOUND", "no such room alias"));
  router.use((_req, res) => sendMatrixError(res, 404, "M_UNRECOGNIZED", "unrecognized request"));
  return router;
}
