import type { Bridge } from "matrix-appservice-bridge";
import type { UserId } from "./ids.ts";

/** The agents' Matrix users, kept through matrix-appservice-bridge's Intents. */
export class Puppets {
  constructor(private readonly bridge: Bridge) {}

  /** Registers the puppet if needed and makes its profile show this display name. */
  async ensure(userId: UserId, displayName: string): Promise<void> {
    const intent = this.bridge.getIntent(userId);
    await intent.ensureRegistered();
    await intent.ensureProfile(displayName);
  }
}
