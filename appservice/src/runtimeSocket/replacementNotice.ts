import type { RuntimeState } from "@aachat/protocol";
import { agentMessageContent } from "@aachat/protocol/messageContent";
import type { Logger } from "pino";
import { sendAsAgent } from "../model/agentMessages.ts";
import type { ModelContext } from "../model/ModelContext.ts";
import type { RuntimeConnection } from "./RuntimeConnection.ts";

/** How long the newer runtime has to report its host and version before the notice goes without them. */
const NEWER_STATE_WAIT_MS = 10_000;

/** The same runtime process reconnecting (its old connection had not been noticed dead yet). */
function sameRuntime(older: RuntimeState | null, newer: RuntimeState | null): boolean {
  return (
    older !== null &&
    newer !== null &&
    older.hostname === newer.hostname &&
    older.pid === newer.pid &&
    older.startedAt === newer.startedAt
  );
}

/** The owner's notice when a runtime with the agent's token replaced the running one. */
export function replacementNoticeText(
  agentName: string,
  older: RuntimeState | null,
  newer: RuntimeState | null,
): string {
  const newcomer = newer
    ? `on ${newer.hostname}, version ${newer.version}, pid ${newer.pid}`
    : "its host and version unknown";
  const replaced = older ? `the one on ${older.hostname} (pid ${older.pid})` : "the one that was connected";
  return (
    `Another runtime (${newcomer}) connected with this agent's token and replaced ${replaced}, which has stopped. ` +
    `If this wasn't you, rotate the token: \`aachat agent token rotate ${agentName}\``
  );
}

/**
 * Tells the owner in the agent's DM, as the agent, that `newer` replaced a runtime whose
 * last state was `older` — unless `newer` turns out to be that same runtime reconnecting.
 * Never throws: a failure is logged.
 */
export async function noticeReplacement(
  ctx: ModelContext,
  older: RuntimeState | null,
  newer: RuntimeConnection,
  log: Logger,
): Promise<void> {
  try {
    const newerState = await newer.firstState(NEWER_STATE_WAIT_MS);
    if (sameRuntime(older, newerState)) {
      log.info("the runtime reconnected before its older connection was noticed gone");
      return;
    }
    const agent = await ctx.db.agent.findUnique({ where: { id: newer.agent.id } });
    if (!agent) return;
    const body = replacementNoticeText(agent.name, older, newerState);
    log.warn({ older: older?.hostname ?? null, newer: newerState?.hostname ?? null }, "a runtime was replaced");
    const content = agentMessageContent({ body, notice: true, mentions: [agent.ownerUserId] });
    await sendAsAgent(ctx, agent, agent.dmRoomId, content, `runtime-replaced:${newer.id}`);
  } catch (error) {
    log.error({ err: error }, "could not tell the owner that a runtime was replaced");
  }
}
