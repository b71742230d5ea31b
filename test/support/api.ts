import type { Human } from "./humans.ts";

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** Calls the appservice's HTTP API as a human, with their own Matrix access token. */
export function apiAs(human: Pick<Human, "accessToken">, appserviceUrl: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const response = await fetch(`${appserviceUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${human.accessToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

export type Api = ReturnType<typeof apiAs>;

/** A unique lowercase name for teams, projects and agents made by one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
