import { joinRoom, markDirect } from "../auth/homeserver.ts";
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
  await joinWhatYouMade(credentials, [{ roomId: agent.dmRoomId, what: `the DM with ${agent.userId}` }]);
  try {
    await markDirect(credentials.homeserverUrl, credentials, agent.userId, agent.dmRoomId);
  } catch (error) {
    progress(`Could not mark the DM with ${agent.userId} as a direct chat (${(error as Error).message}).`);
  }
}
