import type { IdentitySource } from "../client/AgentIdentity.ts";
import type { ChatRequests } from "./ChatRequests.ts";

/** Tells the agent's owner something the runtime noticed (a session failed, memory could not be pushed…). */
export interface OwnerChannel {
  /** Posts `text` once per `key`. */
  tell(text: string, key: string): Promise<void>;
}

/** The owner channel as a notice in the agent's DM with its owner, mentioning them. */
export class OwnerDm implements OwnerChannel {
  constructor(
    private readonly chat: ChatRequests,
    private readonly identity: IdentitySource,
  ) {}

  async tell(text: string, key: string): Promise<void> {
    const { dmRoomId, ownerUserId } = await this.identity.get();
    await this.chat.request("message.send", {
      roomId: dmRoomId,
      body: text,
      notice: true,
      mentions: [ownerUserId],
      key,
    });
  }
}
