import type { RoomMessage, SignalPayload } from "@aachat/protocol";
import type { AgentIdentity } from "../../src/client/AgentIdentity.ts";

/** The agent the tests' runtime acts as. */
export const reviewer: AgentIdentity = {
  name: "reviewer",
  userId: "@reviewer:aachat.test",
  displayName: "Reviewer",
  ownerUserId: "@owner:aachat.test",
  dmRoomId: "!dm:aachat.test",
};

/** A mention of the agent in project acme/web, changed by `overrides`. */
export function mentionSignal(overrides: Partial<SignalPayload> = {}): SignalPayload {
  return {
    id: "sig-1",
    kind: "mention",
    roomId: "!web:aachat.test",
    eventId: "$asked",
    projectId: 7,
    team: "acme",
    project: "web",
    threadRootId: null,
    inReplyTo: null,
    reaction: null,
    sender: "@alice:aachat.test",
    senderCanControl: false,
    body: "Reviewer: please look at the login page",
    createdAt: "2026-11-26T09:30:00.000Z",
    ...overrides,
  };
}

/** A message of the room's history, changed by `overrides`. */
export function roomMessage(overrides: Partial<RoomMessage> = {}): RoomMessage {
  return {
    eventId: "$earlier",
    sender: "@bob:aachat.test",
    senderName: "Bob",
    senderKind: "human",
    body: "The login page is slow since Monday.",
    threadRootId: null,
    inReplyTo: null,
    ts: "2026-11-26T09:12:34.000Z",
    ...overrides,
  };
}
