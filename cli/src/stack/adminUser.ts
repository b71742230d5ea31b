import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { registerUser, UserExistsError } from "@aachat/synapse";

export interface AdminCredentials {
  userId: string;
  username: string;
  password: string;
}

export type AdminUserResult =
  | { kind: "created"; credentials: AdminCredentials }
  | { kind: "known"; credentials: AdminCredentials }
  | { kind: "exists-elsewhere"; username: string };

/**
 * The first admin of a new embedded homeserver: created once with a random password
 * kept in the data directory (owner-only), so the next start can say how to log in.
 */
export async function ensureFirstAdmin(options: {
  credentialsFile: string;
  homeserverUrl: string;
  sharedSecret: string;
  username?: string;
}): Promise<AdminUserResult> {
  if (existsSync(options.credentialsFile)) {
    const credentials = JSON.parse(await readFile(options.credentialsFile, "utf8")) as AdminCredentials;
    return { kind: "known", credentials };
  }
  const username = options.username ?? "admin";
  const password = randomBytes(12).toString("base64url");
  try {
    const { userId } = await registerUser({
      homeserverUrl: options.homeserverUrl,
      sharedSecret: options.sharedSecret,
      username,
      password,
      admin: true,
    });
    const credentials = { userId, username, password };
    await writeFile(options.credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    return { kind: "created", credentials };
  } catch (error) {
    if (error instanceof UserExistsError) return { kind: "exists-elsewhere", username };
    throw error;
  }
}
