import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { postNotice } from "../model/notices.ts";
import { findManagedRoom, syncPowerLevels } from "../model/rooms.ts";

/**
 * Power levels in aachat rooms follow the database (team roles, humans_only). A change
 * by anyone but the bot is reverted, and the room is told why and what to use instead.
 */
export class PowerLevelGuard implements EventHandler {
  readonly name = "power-level-guard";

  constructor(private readonly ctx: ModelContext) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type !== "m.room.power_levels" || event.state_key !== "" || event.sender === this.ctx.botUserId) return;
    const room = await findManagedRoom(this.ctx, event.room_id);
    if (!room) return;
    const reverted = await syncPowerLevels(this.ctx, event.room_id, room);
    if (!reverted) return;
    log.warn({ sender: event.sender }, "reverted a power level change");
    const why =
      room.kind === "stream" && room.humansOnly
        ? "This stream is humans_only: only the team's members can post; agents can read but not post. Add people with `aachat team member set`; a team admin can let agents post with `aachat stream set --no-humans-only`."
        : "Roles are managed by aachat: change them with `aachat team member set`.";
    const notice = `Reverted the power level change by ${event.sender}. ${why}`;
    await postNotice(this.ctx, event.room_id, notice, `revert-power-levels:${event.event_id}`);
  }
}
