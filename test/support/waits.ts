import { RoomEvent, RoomStateEvent, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";

export const DEFAULT_WAIT_MS = 15_000;

export interface EventMatch {
  roomId: string;
  type: string;
  sender?: string;
  stateKey?: string;
  /** Extra condition on the event. */
  where?: (event: MatrixEvent) => boolean;
  timeoutMs?: number;
}

/**
 * Resolves with the first matching event that reaches the client's timeline after the
 * call. Call it before the action that causes the event; rejects after the timeout
 * with a message naming what was awaited.
 */
export function waitForRoomEvent(client: MatrixClient, match: EventMatch): Promise<MatrixEvent> {
  const description = `${match.type} in ${match.roomId}${match.sender ? ` from ${match.sender}` : ""}${match.stateKey !== undefined ? ` for ${match.stateKey}` : ""}`;
  return waitFor(client, description, match.timeoutMs, (resolve) => {
    const onEvent = (event: MatrixEvent) => {
      if (event.getRoomId() !== match.roomId || event.getType() !== match.type) return;
      if (match.sender !== undefined && event.getSender() !== match.sender) return;
      if (match.stateKey !== undefined && event.getStateKey() !== match.stateKey) return;
      if (match.where && !match.where(event)) return;
      resolve(event);
    };
    client.on(RoomEvent.Timeline, onEvent);
    return () => client.off(RoomEvent.Timeline, onEvent);
  });
}

/** Waits until `userId` has `membership` in the room, checking the current state first. */
export function waitForMembership(
  client: MatrixClient,
  roomId: string,
  userId: string,
  membership: "join" | "invite" | "leave" | "ban",
  timeoutMs?: number,
): Promise<void> {
  const matches = () => client.getRoom(roomId)?.getMember(userId)?.membership === membership;
  return waitFor(client, `${userId} to ${membership} ${roomId}`, timeoutMs, (resolve) => {
    if (matches()) {
      resolve();
      return () => undefined;
    }
    const onMember = () => {
      if (matches()) resolve();
    };
    client.on(RoomStateEvent.Members, onMember);
    return () => client.off(RoomStateEvent.Members, onMember);
  });
}

/** Waits until the room's power levels give `userId` exactly `level`, checking the current state first. */
export function waitForPowerLevel(
  client: MatrixClient,
  roomId: string,
  userId: string,
  level: number,
  timeoutMs?: number,
): Promise<void> {
  const current = () => {
    const content = client.getRoom(roomId)?.currentState.getStateEvents("m.room.power_levels", "")?.getContent();
    const users = (content?.users ?? {}) as Record<string, number>;
    return users[userId] ?? (content?.users_default as number | undefined) ?? 0;
  };
  return waitFor(client, `power level ${level} for ${userId} in ${roomId}`, timeoutMs, (resolve) => {
    if (current() === level) {
      resolve();
      return () => undefined;
    }
    const onEvents = () => {
      if (current() === level) resolve();
    };
    client.on(RoomStateEvent.Events, onEvents);
    return () => client.off(RoomStateEvent.Events, onEvents);
  });
}

function waitFor<T>(
  client: MatrixClient,
  description: string,
  timeoutMs = DEFAULT_WAIT_MS,
  subscribe: (resolve: (value: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe: () => void = () => undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description} (as ${client.getUserId()})`));
    }, timeoutMs);
    unsubscribe = subscribe((value) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/**
 * Polls a condition that no client event announces (a database row, a file) until it
 * holds; rejects after the timeout naming what was awaited.
 */
export async function waitUntil<T>(
  description: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the room id of the next invite the client receives. */
export function waitForInvite(
  client: MatrixClient,
  where: (roomId: string) => boolean = () => true,
  timeoutMs?: number,
): Promise<string> {
  const me = client.getUserId();
  return waitFor(client, `an invite for ${me}`, timeoutMs, (resolve) => {
    const onMember = (
      _event: MatrixEvent,
      _state: unknown,
      member: { userId: string; membership?: string; roomId: string },
    ) => {
      if (member.userId === me && member.membership === "invite" && where(member.roomId)) resolve(member.roomId);
    };
    client.on(RoomStateEvent.NewMember, onMember);
    client.on(RoomStateEvent.Members, onMember);
    return () => {
      client.off(RoomStateEvent.NewMember, onMember);
      client.off(RoomStateEvent.Members, onMember);
    };
  });
}
