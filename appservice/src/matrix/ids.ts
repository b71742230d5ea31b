declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, "UserId">;
export type RoomId = Brand<string, "RoomId">;
export type EventId = Brand<string, "EventId">;

/** Every agent's Matrix user is `@agent_<name>:<server>`, inside the appservice's exclusive namespace. */
export const AGENT_LOCALPART_PREFIX = "agent_";

export function userId(localpart: string, serverName: string): UserId {
  return `@${localpart}:${serverName}` as UserId;
}

export function localpartOf(id: UserId | string): string {
  return id.slice(1, id.indexOf(":"));
}

/** The exclusive user namespace regex for the agents of one homeserver. */
export function agentNamespaceRegex(serverName: string): string {
  return `@${AGENT_LOCALPART_PREFIX}.*:${escapeRegex(serverName)}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether the user is one of our agents' puppets (`@agent_…` on our own server). */
export function isAgentUserId(id: string, serverName: string): boolean {
  return id.startsWith(`@${AGENT_LOCALPART_PREFIX}`) && id.slice(id.indexOf(":") + 1) === serverName;
}
