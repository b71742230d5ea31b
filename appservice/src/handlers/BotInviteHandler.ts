import type { Bridge } from "matrix-appservice-bridge";
import type { Logger } from "pino";
import type { EventHandler } from "../inbox/EventHandler.ts";
import type { MatrixEvent } from "../matrix/events.ts";

/** The bot accepts every invite it receives, so a human can bring it into any room. */
export class BotInviteHandler implements EventHandler {
  readonly name = "bot-invite";

  constructor(
    private readonly bridge: Bridge,
    private readonly botUserId: string,
  ) {}

  async handle(event: MatrixEvent, log: Logger): Promise<void> {
    if (event.type !== "m.room.member" || event.state_key !== this.botUserId) return;
    if (event.content.membership !== "invite") return;
    await this.bridge.getIntent().join(event.room_id);
    log.info({ inviter: event.sender }, "bot joined room after invite");
  }
}
