import { EventEmitter } from "node:events";
import type { RuntimeState } from "@aachat/protocol";

/** What changed, for whom: members of `teamId` and the `users` listed (either may be absent). */
export interface ChangedEvent {
  scope: "teams" | "agents";
  teamId?: number;
  users?: readonly string[];
}

/** An agent's runtime connected, disconnected or reported a change of its sessions. */
export interface RuntimeEvent {
  agent: string;
  owner: string;
  online: boolean;
  connectedAt: string | null;
  /** What the runtime last reported: its version and sessions (null when offline or not yet reported). */
  state: RuntimeState | null;
}

interface EventMap {
  changed: [ChangedEvent];
  runtime: [RuntimeEvent];
}

/**
 * In-process notifications of successful model changes and runtime connections, for the
 * live event stream of the console (GET /api/v1/events). Listeners must not throw.
 */
export class ModelEvents extends EventEmitter<EventMap> {
  constructor() {
    super();
    // Every open console adds a listener of each kind.
    this.setMaxListeners(0);
  }

  changed(scope: ChangedEvent["scope"], audience: Omit<ChangedEvent, "scope">): void {
    this.emit("changed", { scope, ...audience });
  }

  runtime(event: RuntimeEvent): void {
    this.emit("runtime", event);
  }
}
