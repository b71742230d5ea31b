import { createHmac } from "node:crypto";
import { z } from "zod";
import { RegistrationError, UserExistsError } from "./errors.ts";

export interface RegisterUserOptions {
  homeserverUrl: string;
  sharedSecret: string;
  username: string;
  password: string;
  admin?: boolean;
  displayName?: string;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

const NonceResponse = z.object({ nonce: z.string() });
const RegisterResponse = z.object({ user_id: z.string(), access_token: z.string(), device_id: z.string() });
const MatrixError = z.object({ errcode: z.string().optional(), error: z.string().optional() });

const REGISTER_PATH = "/_synapse/admin/v1/register";

/** The HMAC-SHA1 Synapse expects: over nonce, username, password and admin flag, NUL-separated, keyed by the shared secret. */
export function computeRegistrationMac(p: {
  sharedSecret: string;
  nonce: string;
  username: string;
  password: string;
  admin: boolean;
}): string {
  return createHmac("sha1", p.sharedSecret)
    .update([p.nonce, p.username, p.password, p.admin ? "admin" : "notadmin"].join("\0"))
    .digest("hex");
}

/** Creates a user with Synapse's shared-secret admin API and returns a logged-in access token for it. */
export async function registerUser(opts: RegisterUserOptions): Promise<RegisteredUser> {
  const url = new URL(REGISTER_PATH, opts.homeserverUrl).toString();
  const admin = opts.admin ?? false;
  const { nonce } = NonceResponse.parse(await requestJson(opts.username, url, { method: "GET" }));
  const body = {
    nonce,
    username: opts.username,
    password: opts.password,
    admin,
    ...(opts.displayName === undefined ? {} : { displayname: opts.displayName }),
    mac: computeRegistrationMac({
      sharedSecret: opts.sharedSecret,
      nonce,
      username: opts.username,
      password: opts.password,
      admin,
    }),
  };
  const result = RegisterResponse.parse(
    await requestJson(opts.username, url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return { userId: result.user_id, accessToken: result.access_token, deviceId: result.device_id };
}

async function requestJson(username: string, url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    throw new RegistrationError(username, `cannot reach ${url} (${String(err)}${cause}). Is the homeserver running?`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegistrationError(
      username,
      `${init.method} ${url} returned non-JSON: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  if (response.ok) return json;
  const { errcode, error } = MatrixError.catch({}).parse(json);
  if (errcode === "M_USER_IN_USE") throw new UserExistsError(username);
  const hint =
    response.status === 403 && errcode === "M_FORBIDDEN"
      ? " Check that the shared secret matches registration_shared_secret in the homeserver's config."
      : "";
  throw new RegistrationError(username, `${error ?? "no error message"}.${hint}`, response.status, errcode);
}
