import type { ApiClient } from "@aachat/api";
import { joinRoom, markDirect, markDirectChats } from "../auth/homeserver.ts";
import type { Credentials } from "../auth/credentials.ts";
import { progress } from "../output.ts";

/**
 * Accepts, with the user's own Matrix login, the invitations to what they just made, so it
 * is in their client's sidebar at once instead of among pending invitations. A join that
 * fails leaves the invitation for the client: the command itself has succeeded.
 */
export async function joinWhatYouMade(credentials: Credentials, rooms: readonly { roomId: string; what: string }[]) {
  for (const { roomId, what } of rooms) {
    try {
      await joinRoom(credentials.homeserverUrl, credentials.accessToken, roomId);
    } catch (error) {
      progress(`Could not join ${what} (${(error as Error).message}); accept its invitation in your Matrix client.`);
    }
  }
}

/** Joins the agent's DM and marks it as a direct chat, so clients list it under people. */
export async function joinAgentDm(credentials: Credentials, agent: { userId: string; dmRoomId: string }) {
  // Independent of each other: the join and the account data are written at once.
  await Promise.all([
    joinWhatYouMade(credentials, [{ roomId: agent.dmRoomId, what: `the DM with ${agent.userId}` }]),
    markDirect(credentials.homeserverUrl, credentials, agent.userId, agent.dmRoomId).catch((error: unknown) =>
      progress(`Could not mark the DM with ${agent.userId} as a direct chat (${(error as Error).message}).`),
    ),
  ]);
}

/**
 * Lists every agent's DM the user owns as a direct chat, at login: a reconcile that recreated
 * a DM room leaves the new room unmarked until then. Nothing is written when all are marked.
 */
export async function markAgentDms(credentials: Credentials, api: ApiClient) {
  try {
    const agents = (await api.listAgents()).filter((agent) => agent.owner === credentials.userId);
    const chats = agents.map((agent) => ({ userId: agent.userId, roomId: agent.dmRoomId }));
    if (chats.length > 0) await markDirectChats(credentials.homeserverUrl, credentials, chats);
  } catch (error) {
    progress(`Could not mark your agents' DMs as direct chats (${(error as Error).message}).`);
  }
}
