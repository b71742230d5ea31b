import type { Bridge } from "matrix-appservice-bridge";
import type { UserId } from "./ids.ts";

/** The agents' Matrix users, kept through matrix-appservice-bridge's Intents. */
export class Puppets {
  constructor(private readonly bridge: Bridge) {}

  /** Registers the puppet if needed and makes its profile show this display name (and avatar). */
  async ensure(userId: UserId, displayName: string, avatarUrl?: string | null): Promise<void> {
    const intent = this.bridge.getIntent(userId);
    await intent.ensureRegistered();
    await intent.ensureProfile(displayName, avatarUrl ?? undefined);
  }

  /** Registers the puppet if it is not yet. */
  async register(userId: UserId): Promise<void> {
    await this.bridge.getIntent(userId).ensureRegistered();
  }

  /** Sets the puppet's display name (and avatar) without reading its profile first: for a puppet just registered. */
  async setProfile(userId: UserId, displayName: string, avatarUrl?: string | null): Promise<void> {
    const intent = this.bridge.getIntent(userId);
    await Promise.all([intent.setDisplayName(displayName), avatarUrl ? intent.setAvatarUrl(avatarUrl) : undefined]);
  }

  /** Deactivates a deleted agent's user, so nobody can act as it again. */
  async deactivate(userId: UserId): Promise<void> {
    await this.bridge
      .getIntent(userId)
      .matrixClient.doRequest("POST", "/_matrix/client/v3/account/deactivate", null, { erase: false });
  }
}
