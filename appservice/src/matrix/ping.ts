import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { UserFacingError } from "@aachat/protocol/UserFacingError";

/** The homeserver and this appservice disagree about the registration, or can't reach each other. */
export class HomeserverPingError extends UserFacingError {
  override readonly name = "HomeserverPingError";
}

export interface PingOptions {
  homeserverUrl: string;
  appserviceId: string;
  asToken: string;
  log: Logger;
  /** How long to keep retrying while the homeserver is unreachable (it may still be starting). */
  timeoutMs?: number;
  /** Whether the homeserver's call for this ping's transaction id reached our /_matrix/app/v1/ping. */
  reachedUs?: (transactionId: string) => boolean;
}

/**
 * Asks the homeserver to call us back (Matrix 1.7 `/appservice/{id}/ping`). A success
 * proves both tokens and both directions of the connection; each failure names its cause.
 */
export async function pingHomeserver(options: PingOptions): Promise<{ durationMs: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const url = `${options.homeserverUrl}/_matrix/client/v1/appservice/${encodeURIComponent(options.appserviceId)}/ping`;
  let delay = 100;
  const backOff = async () => {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2000);
  };
  for (;;) {
    let response: Response;
    const transactionId = randomUUID();
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${options.asToken}`, "content-type": "application/json" },
        body: JSON.stringify({ transaction_id: transactionId }),
        signal: AbortSignal.timeout(35_000),
      });
    } catch (error) {
      if (Date.now() + delay > deadline) {
        throw new HomeserverPingError(
          `cannot reach the homeserver at ${options.homeserverUrl} (${causeOf(error)}); check homeserver.url and that the homeserver is running`,
        );
      }
      options.log.debug({ delay }, "homeserver not reachable yet; retrying ping");
      await backOff();
      continue;
    }
    const body = (await response.json().catch(() => ({}))) as {
      errcode?: string;
      error?: string;
      duration_ms?: number;
      status?: number;
    };
    if (response.ok) return { durationMs: body.duration_ms ?? 0 };
    if (options.reachedUs?.(transactionId)) {
      // Both directions work, yet the homeserver failed afterwards: Synapse answers 502
      // AlreadyCalled when the ping lands while it is retrying our transactions. Ask again,
      // since a ping that succeeds makes it resend what it holds for us at once.
      options.log.warn({ status: response.status, error: body.error }, "homeserver reached us but its ping failed");
      if (Date.now() + delay > deadline) return { durationMs: 0 };
      await backOff();
      continue;
    }
    throw new HomeserverPingError(explain(response.status, body, options));
  }
}

function explain(
  status: number,
  body: { errcode?: string; error?: string; status?: number },
  options: PingOptions,
): string {
  switch (body.errcode) {
    case "M_UNKNOWN_TOKEN":
    case "M_FORBIDDEN":
      return `the homeserver does not accept this registration's as_token for appservice '${options.appserviceId}': the registration file the homeserver loaded differs from ours; give both the same file and restart the homeserver`;
    case "M_BAD_STATUS":
      return body.status === 403 || body.status === 401
        ? "the homeserver reached the appservice but was refused: its hs_token differs from ours; give both the same registration file and restart the homeserver"
        : `the homeserver reached the appservice but got HTTP ${body.status ?? "error"}`;
    case "M_URL_NOT_SET":
      return "the registration the homeserver loaded has no url; set url in the registration file and restart the homeserver";
    case "M_CONNECTION_FAILED":
    case "M_CONNECTION_TIMEOUT":
      return "the homeserver cannot reach the appservice at the registration's url; check appservice.url and that the homeserver can connect to it";
    case "M_UNRECOGNIZED":
      return "the homeserver does not support the appservice ping (Matrix 1.7); upgrade it";
    default:
      return `ping failed with HTTP ${status} ${body.errcode ?? ""} ${body.error ?? ""}`.trim();
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
