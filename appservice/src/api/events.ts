import type { Request, Response } from "express";
import type { Logger } from "pino";
import type { ModelContext } from "../model/ModelContext.ts";
import type { ChangedEvent, RuntimeEvent } from "../model/ModelEvents.ts";

const HEARTBEAT_MS = 25_000;
/** How often an open stream asks the homeserver whether its token still works. */
const RECHECK_MS = 5_000;

/**
 * GET /api/v1/events: a `text/event-stream` of what concerns the caller. `ready` once the
 * stream listens; `agent-runtime` `{ agent, online, connectedAt, state }` when the runtime of
 * one of the caller's agents connects, disconnects or reports new state; `changed` `{ scope }` after a change to a
 * team the caller belongs to ("teams") or to one of their agents ("agents"). A comment line
 * every 25 s keeps proxies from closing the idle stream. Every few seconds the token is
 * checked again; once the homeserver no longer knows it, `unauthorized` `{ message }` is
 * sent and the stream ends.
 */
export class EventStreams {
  readonly #open = new Set<Response>();

  constructor(
    private readonly ctx: ModelContext,
    private readonly log: Logger,
    private readonly recheckMs = RECHECK_MS,
  ) {}

  readonly handler = (req: Request, res: Response): void => {
    const caller = req.caller!.userId;
    const recheck = req.caller!.recheck;
    const { ctx } = this;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const onRuntime = (event: RuntimeEvent) => {
      if (event.owner === caller) {
        const { agent, online, connectedAt, state } = event;
        send("agent-runtime", { agent, online, connectedAt, state });
      }
    };
    const onChanged = (event: ChangedEvent) => {
      void this.#concerns(caller, event).then(
        (concerns) => {
          if (concerns) send("changed", { scope: event.scope });
        },
        (error: unknown) => this.log.warn({ err: error }, "could not check who a change concerns"),
      );
    };
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(": heartbeat\n\n");
    }, HEARTBEAT_MS);
    heartbeat.unref();
    let closed = false;
    let recheckTimer: NodeJS.Timeout | undefined;
    // A chain of timeouts, not an interval: a slow homeserver never has two checks in flight.
    const scheduleRecheck = () => {
      recheckTimer = setTimeout(() => {
        void recheck().then((check) => {
          if (closed || res.writableEnded) return;
          if (check !== "invalid") {
            scheduleRecheck();
            return;
          }
          this.log.info({ userId: caller }, "closing an event stream: its access token is no longer valid");
          send("unauthorized", {
            message: "your access token is not valid (anymore); log in again with `aachat login`",
          });
          res.end();
        });
      }, this.recheckMs);
      recheckTimer.unref();
    };
    scheduleRecheck();
    ctx.events.on("runtime", onRuntime);
    ctx.events.on("changed", onChanged);
    this.#open.add(res);
    res.on("close", () => {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(recheckTimer);
      ctx.events.off("runtime", onRuntime);
      ctx.events.off("changed", onChanged);
      this.#open.delete(res);
    });
    res.write(": aachat live events\n\n");
    send("ready", {});
  };

  /** Ends every open stream (the appservice is stopping); clients reconnect later. */
  close(): Promise<void> {
    for (const res of this.#open) res.end();
    this.#open.clear();
    return Promise.resolve();
  }

  async #concerns(userId: string, event: ChangedEvent): Promise<boolean> {
    if (event.users?.includes(userId)) return true;
    if (event.teamId === undefined) return false;
    const member = await this.ctx.db.teamMember.findUnique({
      where: { teamId_userId: { teamId: event.teamId, userId } },
    });
    return member !== null;
  }
}
