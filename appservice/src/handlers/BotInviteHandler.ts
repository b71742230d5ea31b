import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import { ensurePersonalTeam } from "../model/teams.ts";
import { AGENT_LOCALPART_PREFIX, localpartOf } from "../matrix/ids.ts";

/**
 * The bot accepts every invite a human sends it (a room, or a DM), and that is also when
 * aachat first meets the human: their personal team is made.
 */
export class BotInviteHandler implements EventHandler {
  readonly name = "bot-invite";

  constructor(private readonly ctx: ModelContext) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type !== "m.room.member" || event.state_key !== this.ctx.botUserId) return;
    if (event.content.membership !== "invite") return;
    await this.ctx.matrix.join(event.room_id);
    log.info({ inviter: event.sender }, "bot joined room after invite");
    if (!localpartOf(event.sender).startsWith(AGENT_LOCALPART_PREFIX)) await ensurePersonalTeam(this.ctx, event.sender);
  }
}
