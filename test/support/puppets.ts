import { inject } from "vitest";
import type { Registration } from "@aachat/appservice";

/**
 * What an agent's puppet can do on its own: a client-server API call made with the
 * appservice's as_token and `?user_id=` (Matrix appservice masquerading).
 */
export async function asPuppet(
  registration: Registration,
  userId: string,
  method: string,
  path: string,
  body: unknown,
) {
  const url = new URL(`${inject("stack").homeserverUrl}/_matrix/client/v3${path}`);
  url.searchParams.set("user_id", userId);
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${registration.as_token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { errcode?: string; error?: string; event_id?: string },
  };
}
