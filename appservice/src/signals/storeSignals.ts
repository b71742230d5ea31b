import { createHash } from "node:crypto";
import type { Attachment, SignalKind } from "@aachat/protocol";
import type { Db } from "../db/database.ts";

export interface NewSignal {
  agentId: number;
  kind: SignalKind;
  /** The message or reaction that makes the signal; with the agent, it makes the signal's id. */
  eventId: string;
  roomId: string;
  projectId: number | null;
  threadRootId: string | null;
  inReplyTo: string | null;
  reaction: { key: string; relatesTo: string } | null;
  sender: string;
  senderCanControl: boolean;
  body: string;
  /** The images and files sent with the message, if any. */
  attachments?: readonly Attachment[];
}

/** A signal's id comes from (agent, event): storing the same event twice stores one signal. */
export function signalId(agentId: number, eventId: string): string {
  return `sig_${createHash("sha256").update(`${agentId}:${eventId}`).digest("base64url").slice(0, 24)}`;
}

/** Stores the signals that are new; resolves with how many were. */
export async function storeSignals(db: Db, signals: readonly NewSignal[]): Promise<number> {
  let stored = 0;
  const now = new Date();
  for (const s of signals) {
    stored += await db.$executeRaw`
      INSERT INTO "Signal" ("id", "agentId", "kind", "eventId", "roomId", "projectId", "threadRootId", "inReplyTo",
        "reactionKey", "relatesTo", "sender", "senderCanControl", "body", "attachments", "createdAt")
      VALUES (${signalId(s.agentId, s.eventId)}, ${s.agentId}, ${s.kind}, ${s.eventId}, ${s.roomId}, ${s.projectId},
        ${s.threadRootId}, ${s.inReplyTo}, ${s.reaction?.key ?? null}, ${s.reaction?.relatesTo ?? null}, ${s.sender},
        ${s.senderCanControl}, ${s.body}, ${s.attachments?.length ? JSON.stringify(s.attachments) : null}, ${now})
      ON CONFLICT DO NOTHING`;
  }
  return stored;
}
