import type { Db } from "../db/database.ts";
import { attachment, type SignalKind, type SignalPayload } from "@aachat/protocol";
import { z } from "zod";

const storedAttachments = z.array(attachment);

/** Every unacknowledged signal of the agent, oldest first, as the runtime receives it. */
export async function pendingSignals(db: Db, agentId: number): Promise<SignalPayload[]> {
  const signals = await db.signal.findMany({
    where: { agentId, acknowledgedAt: null },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const projectIds = [...new Set(signals.flatMap((signal) => (signal.projectId === null ? [] : [signal.projectId])))];
  const projects = new Map(
    (await db.project.findMany({ where: { id: { in: projectIds } }, include: { team: true } })).map((project) => [
      project.id,
      project,
    ]),
  );
  return signals.map((signal) => {
    const project = signal.projectId === null ? undefined : projects.get(signal.projectId);
    return {
      id: signal.id,
      kind: signal.kind as SignalKind,
      roomId: signal.roomId,
      eventId: signal.eventId,
      projectId: signal.projectId,
      team: project?.team.slug ?? null,
      project: project?.name ?? null,
      threadRootId: signal.threadRootId,
      inReplyTo: signal.inReplyTo,
      reaction:
        signal.reactionKey !== null && signal.relatesTo !== null
          ? { key: signal.reactionKey, relatesTo: signal.relatesTo }
          : null,
      sender: signal.sender,
      senderCanControl: signal.senderCanControl,
      body: signal.body,
      ...(signal.attachments === null ? {} : { attachments: storedAttachments.parse(JSON.parse(signal.attachments)) }),
      createdAt: signal.createdAt.toISOString(),
    };
  });
}

/**
 * Marks the agent's signal acknowledged. Acknowledging it again is harmless; a signal that
 * is not this agent's is "unknown" whether or not it exists, so a token learns nothing
 * about other agents.
 */
export async function acknowledgeSignal(
  db: Db,
  agentId: number,
  signalId: string,
): Promise<"acknowledged" | "unknown"> {
  const { count } = await db.signal.updateMany({
    where: { id: signalId, agentId, acknowledgedAt: null },
    data: { acknowledgedAt: new Date() },
  });
  if (count > 0) return "acknowledged";
  const already = await db.signal.count({ where: { id: signalId, agentId } });
  return already > 0 ? "acknowledged" : "unknown";
}
