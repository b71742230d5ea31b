import type { Session } from "./session.ts";

/** A login that failed, with a message meant for the person who tried. */
export class LoginError extends Error {
  override readonly name = "LoginError";
}

const LOGIN_TIMEOUT_MS = 30_000;
const LOGOUT_TIMEOUT_MS = 10_000;

interface LoginResponse {
  user_id: string;
  access_token: string;
  device_id: string;
}

interface MatrixErrorBody {
  errcode?: string;
  error?: string;
}

/** Logs in to the homeserver with a user name (or full user id) and password. */
export async function loginWithPassword(homeserverUrl: string, user: string, password: string): Promise<Session> {
  let response: Response;
  try {
    response = await fetch(`${homeserverUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "m.login.password",
        identifier: { type: "m.id.user", user },
        password,
        initial_device_display_name: "aachat console",
      }),
      signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
    });
  } catch {
    throw new LoginError(`Cannot reach the homeserver at ${homeserverUrl}. Is it running?`);
  }
  const body = (await response.json().catch(() => ({}))) as Partial<LoginResponse> & MatrixErrorBody;
  if (response.status === 403 || body.errcode === "M_FORBIDDEN") throw new LoginError("Wrong user name or password.");
  if (response.status === 429) throw new LoginError("Too many attempts. Wait a moment, then try again.");
  if (!response.ok || !body.user_id || !body.access_token || !body.device_id) {
    throw new LoginError(`The homeserver refused the login: ${body.error ?? `HTTP ${response.status}`}`);
  }
  return { homeserverUrl, userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id };
}

/** Ends the session on the homeserver; a failure (already logged out, unreachable) is not the user's problem. */
export async function logoutFromHomeserver(session: Session): Promise<void> {
  await fetch(`${session.homeserverUrl}/_matrix/client/v3/logout`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(LOGOUT_TIMEOUT_MS),
  }).catch(() => undefined);
}
