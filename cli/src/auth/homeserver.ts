import { z } from "zod";
import { joinRoom as joinAsUser, markDirect as markDirectAsUser, MatrixCallError, type DirectChat } from "@aachat/api";
import { UserError } from "../errors.ts";

/**
 * The few Matrix client-server calls the CLI makes as its user: logging in (the homeserver
 * checks the password), and joining and marking direct chats (defined in @aachat/api, shared
 * with the console).
 */

const TIMEOUT_MS = 30_000;

const loginResponse = z.object({ user_id: z.string(), access_token: z.string(), device_id: z.string() });
const whoamiResponse = z.object({ user_id: z.string(), device_id: z.string().optional() });
const matrixError = z.object({ errcode: z.string().optional(), error: z.string().optional() });

export interface HomeserverLogin {
  userId: string;
  accessToken: string;
  deviceId: string | null;
}

export async function loginWithPassword(
  homeserverUrl: string,
  user: string,
  password: string,
): Promise<HomeserverLogin> {
  const response = await call(homeserverUrl, "POST", "/_matrix/client/v3/login", undefined, {
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    initial_device_display_name: "aachat CLI",
  });
  if (response.status === 403) throw new UserError("wrong user name or password");
  const body = await bodyOf(homeserverUrl, response, "log in", loginResponse);
  return { userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id };
}

/** Checks an access token and says whose it is. */
export async function whoami(homeserverUrl: string, accessToken: string): Promise<HomeserverLogin> {
  const response = await call(homeserverUrl, "GET", "/_matrix/client/v3/account/whoami", accessToken);
  if (response.status === 401) throw new UserError(`the homeserver at ${homeserverUrl} does not accept this token`);
  const body = await bodyOf(homeserverUrl, response, "check the token", whoamiResponse);
  return { userId: body.user_id, accessToken, deviceId: body.device_id ?? null };
}

/** Ends the token's session; "already-invalid" when the homeserver no longer knew it. */
export async function logout(homeserverUrl: string, accessToken: string): Promise<"logged-out" | "already-invalid"> {
  const response = await call(homeserverUrl, "POST", "/_matrix/client/v3/logout", accessToken, {});
  if (response.status === 401) return "already-invalid";
  await bodyOf(homeserverUrl, response, "log out", z.unknown());
  return "logged-out";
}

/** Joins a room the user is invited to (or may join), as that user. */
export async function joinRoom(homeserverUrl: string, accessToken: string, roomId: string): Promise<void> {
  await landing(() => joinAsUser({ homeserverUrl, accessToken }, roomId));
}

/**
 * Lists `roomId` as the user's direct chat with `otherUserId` in their `m.direct` account
 * data, so Matrix clients show it among people, not rooms. Other entries are kept.
 */
export async function markDirect(
  homeserverUrl: string,
  credentials: { accessToken: string; userId: string },
  otherUserId: string,
  roomId: string,
): Promise<void> {
  await markDirectChats(homeserverUrl, credentials, [{ userId: otherUserId, roomId }]);
}

/** markDirect for several direct chats at once: one read, and one write when any is missing. */
export async function markDirectChats(
  homeserverUrl: string,
  credentials: { accessToken: string; userId: string },
  chats: readonly DirectChat[],
): Promise<number> {
  return landing(() =>
    markDirectAsUser({ homeserverUrl, userId: credentials.userId, accessToken: credentials.accessToken }, chats),
  );
}

/** The shared landing calls, their failures said the CLI's way. */
async function landing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof MatrixCallError)) throw error;
    throw new UserError(
      error.failure === "unreachable"
        ? `cannot reach the homeserver at ${error.homeserverUrl}; is \`aachat up\` running?`
        : error.message,
    );
  }
}

async function call(
  homeserverUrl: string,
  method: "GET" | "POST" | "PUT",
  route: string,
  accessToken?: string,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetch(new URL(`${homeserverUrl.replace(/\/+$/, "")}${route}`), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new UserError(`cannot reach the homeserver at ${homeserverUrl}; is \`aachat up\` running?`);
  }
}

async function bodyOf<T>(homeserverUrl: string, response: Response, action: string, schema: z.ZodType<T>): Promise<T> {
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const { errcode, error } = matrixError.catch({}).parse(json ?? {});
    if (errcode === "M_LIMIT_EXCEEDED")
      throw new UserError(`the homeserver refused to ${action}: too many attempts, try again later`);
    const reason = error ?? `HTTP ${response.status}`;
    throw new UserError(
      `the homeserver at ${homeserverUrl} refused to ${action}: ${reason}${errcode ? ` (${errcode})` : ""}`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new UserError(`the homeserver at ${homeserverUrl} sent an unexpected answer when asked to ${action}`);
  return parsed.data;
}
