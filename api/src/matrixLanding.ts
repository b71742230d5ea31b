import { z } from "zod";

/**
 * The Matrix client-server calls that land a person inside what aachat made for them, made
 * with their own access token: joining a room they are invited to, listing an agent's DM as
 * a direct chat in their `m.direct` account data, and finding their pending invitations.
 * fetch only: the CLI and the console (bundled for the browser) share this one definition.
 */

/** Whose token, on which homeserver. */
export interface MatrixLogin {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
}

/** A room as the person's direct chat with another user (an agent). */
export interface DirectChat {
  userId: string;
  roomId: string;
}

export type MatrixCallFailure = "unreachable" | "rate-limited" | "refused" | "unexpected";

/** A landing call the homeserver did not carry out; `failure` says how, the message says it in words. */
export class MatrixCallError extends Error {
  override readonly name = "MatrixCallError";

  constructor(
    readonly failure: MatrixCallFailure,
    readonly homeserverUrl: string,
    readonly action: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;

const matrixError = z.object({ errcode: z.string().optional(), error: z.string().optional() });
const directChats = z.record(z.string(), z.array(z.string()));
const syncInvites = z.object({
  rooms: z.object({ invite: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/** Only the invited rooms' ids matter: every other part of the sync is filtered out. */
const INVITES_ONLY_FILTER = JSON.stringify({
  presence: { not_types: ["*"] },
  account_data: { not_types: ["*"] },
  room: {
    timeline: { limit: 1, not_types: ["*"] },
    state: { not_types: ["*"] },
    ephemeral: { not_types: ["*"] },
    account_data: { not_types: ["*"] },
  },
});

/** Joins a room the user is invited to (or may join), as that user. */
export async function joinRoom(login: Omit<MatrixLogin, "userId">, roomId: string): Promise<void> {
  const route = `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`;
  await request(login, "POST", route, `join ${roomId}`, z.unknown(), {});
}

/**
 * Lists each room as the user's direct chat with its user in their `m.direct` account data,
 * so Matrix clients show it among people, not rooms. Other entries are kept; a room already
 * listed is not written again. Resolves to how many were added.
 */
export async function markDirect(login: MatrixLogin, chats: readonly DirectChat[]): Promise<number> {
  const route = `/_matrix/client/v3/user/${encodeURIComponent(login.userId)}/account_data/m.direct`;
  const direct = (await request(login, "GET", route, "read your direct chats", directChats, undefined, [404])) ?? {};
  const updated: Record<string, string[]> = { ...direct };
  let added = 0;
  for (const { userId, roomId } of chats) {
    const rooms = updated[userId] ?? [];
    if (rooms.includes(roomId)) continue;
    updated[userId] = [...rooms, roomId];
    added += 1;
  }
  if (added > 0) await request(login, "PUT", route, "mark the direct chat", z.unknown(), updated);
  return added;
}

/** The rooms the user is invited to and has not yet accepted or declined. */
export async function pendingInvites(login: Omit<MatrixLogin, "userId">): Promise<Set<string>> {
  const route = `/_matrix/client/v3/sync?timeout=0&filter=${encodeURIComponent(INVITES_ONLY_FILTER)}`;
  const body = await request(login, "GET", route, "list your invitations", syncInvites);
  return new Set(Object.keys(body?.rooms?.invite ?? {}));
}

/** One call; resolves to undefined for a status in `absentOn` (e.g. account data never written). */
async function request<T>(
  login: Omit<MatrixLogin, "userId">,
  method: "GET" | "POST" | "PUT",
  route: string,
  action: string,
  schema: z.ZodType<T>,
  body?: unknown,
  absentOn: readonly number[] = [],
): Promise<T | undefined> {
  const { homeserverUrl, accessToken } = login;
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${homeserverUrl.replace(/\/+$/, "")}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new MatrixCallError("unreachable", homeserverUrl, action, `cannot reach the homeserver at ${homeserverUrl}`);
  }
  if (absentOn.includes(response.status)) return undefined;
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const { errcode, error } = matrixError.catch({}).parse(json ?? {});
    if (errcode === "M_LIMIT_EXCEEDED" || response.status === 429) {
      const message = `the homeserver refused to ${action}: too many attempts, try again later`;
      throw new MatrixCallError("rate-limited", homeserverUrl, action, message);
    }
    const reason = error ?? `HTTP ${response.status}`;
    const message = `the homeserver at ${homeserverUrl} refused to ${action}: ${reason}${errcode ? ` (${errcode})` : ""}`;
    throw new MatrixCallError("refused", homeserverUrl, action, message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const message = `the homeserver at ${homeserverUrl} sent an unexpected answer when asked to ${action}`;
    throw new MatrixCallError("unexpected", homeserverUrl, action, message);
  }
  return parsed.data;
}
