import type { Request, Response } from "express";
import type { Logger } from "pino";
import type { ModelContext } from "../model/ModelContext.ts";
import type { ChangedEvent, RuntimeEvent } from "../model/ModelEvents.ts";

const HEARTBEAT_MS = 25_000;

/**
 * GET /api/v1/events: a `text/event-stream` of what concerns the caller. `ready` once the
 * stream listens; `agent-runtime` `{ agent, online, connectedAt, state }` when the runtime of
 * one of the caller's agents connects, disconnects or reports new state; `changed` `{ scope }` after a change to a
 * team the caller belongs to ("teams") or to one of their agents ("agents"). A comment line
 * every 25 s keeps proxies from closing the idle stream.
 */
export class EventStreams {
  readonly #open = new Set<Response>();

  constructor(
    private readonly ctx: ModelContext,
    private readonly log: Logger,
  ) {}

  readonly handler = (req: Request, res: Response): void => {
    const caller = req.caller!.userId;
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
    ctx.events.on("runtime", onRuntime);
    ctx.events.on("changed", onChanged);
    this.#open.add(res);
    res.on("close", () => {
      clearInterval(heartbeat);
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
