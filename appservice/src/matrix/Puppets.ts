import { localpartOf, type UserId } from "./ids.ts";
import { MatrixApiError, type MatrixApi } from "./MatrixApi.ts";

interface Profile {
  displayname?: string;
  avatar_url?: string;
}

/** The agents' Matrix users: registered in the appservice's namespace and acted as with `?user_id=`. */
export class Puppets {
  constructor(private readonly matrix: MatrixApi) {}

  /** Registers the puppet if needed and makes its profile show this display name (and avatar). */
  async ensure(userId: UserId, displayName: string, avatarUrl?: string | null): Promise<void> {
    // The profile first: a puppet that has one is registered, and one request is all that
    // an agent the start-up reconcile finds as it should be costs.
    const profile = await this.matrix
      .request<Profile>("GET", `/_matrix/client/v3/profile/${encodeURIComponent(userId)}`, { asUser: userId })
      .catch((error: unknown): undefined => {
        // No such user, or one with no profile fields yet.
        if (error instanceof MatrixApiError && error.status === 404) return undefined;
        throw error;
      });
    if (!profile) await this.register(userId);
    await Promise.all([
      profile?.displayname === displayName ? undefined : this.#setDisplayName(userId, displayName),
      !avatarUrl || profile?.avatar_url === avatarUrl ? undefined : this.#setAvatarUrl(userId, avatarUrl),
    ]);
  }

  /** Registers the puppet if it is not yet (an appservice registration: no password, no device). */
  async register(userId: UserId): Promise<void> {
    await this.matrix
      .request("POST", "/_matrix/client/v3/register", {
        body: { type: "m.login.application_service", username: localpartOf(userId), inhibit_login: true },
      })
      .catch((error: unknown) => {
        if (error instanceof MatrixApiError && error.errcode === "M_USER_IN_USE") return;
        throw error;
      });
  }

  /** Sets the puppet's display name (and avatar) without reading its profile first: for a puppet just registered. */
  async setProfile(userId: UserId, displayName: string, avatarUrl?: string | null): Promise<void> {
    await Promise.all([
      this.#setDisplayName(userId, displayName),
      avatarUrl ? this.#setAvatarUrl(userId, avatarUrl) : undefined,
    ]);
  }

  /** Deactivates a deleted agent's user, so nobody can act as it again. */
  async deactivate(userId: UserId): Promise<void> {
    await this.matrix.request("POST", "/_matrix/client/v3/account/deactivate", {
      body: { erase: false },
      asUser: userId,
    });
  }

  async #setDisplayName(userId: UserId, displayname: string): Promise<void> {
    await this.matrix.request("PUT", `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/displayname`, {
      body: { displayname },
      asUser: userId,
    });
  }

  async #setAvatarUrl(userId: UserId, avatarUrl: string): Promise<void> {
    await this.matrix.request("PUT", `/_matrix/client/v3/profile/${encodeURIComponent(userId)}/avatar_url`, {
      body: { avatar_url: avatarUrl },
      asUser: userId,
    });
  }
}
