/** One state event as `GET /rooms/{roomId}/state` lists it. */
export interface StateEvent {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
}

/** A room's whole current state, read in one request where reading it a piece at a time would take several. */
export class RoomState {
  readonly #contents = new Map<string, Record<string, unknown>>();
  readonly #members = new Map<string, string>();

  constructor(events: readonly StateEvent[]) {
    for (const event of events) {
      this.#contents.set(`${event.type}\u0000${event.state_key}`, event.content);
      if (event.type === "m.room.member" && typeof event.content.membership === "string")
        this.#members.set(event.state_key, event.content.membership);
    }
  }

  /** The content of one state event, as MatrixApi.getState answers (undefined where there is none). */
  get<T = Record<string, unknown>>(type: string, stateKey = ""): T | undefined {
    return this.#contents.get(`${type}\u0000${stateKey}`) as T | undefined;
  }

  /** Each user's membership, as MatrixApi.members answers. */
  members(): Map<string, string> {
    return this.#members;
  }
}
