import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { UserId } from "../matrix/ids.ts";
import type { MatrixApi } from "../matrix/MatrixApi.ts";
import type { OutboundQueue } from "../matrix/OutboundQueue.ts";
import type { Puppets } from "../matrix/Puppets.ts";
import { KeyedMutex } from "./KeyedMutex.ts";
import { ModelEvents } from "./ModelEvents.ts";
import { RoomDirectory } from "./RoomDirectory.ts";

/** What every part of the aachat model needs: its database, Matrix as the bot, and the outbound queue. */
export interface ModelContext {
  db: Db;
  matrix: MatrixApi;
  outbound: OutboundQueue;
  puppets: Puppets;
  serverName: string;
  botUserId: UserId;
  log: Logger;
  /** Serialises changes to the same team, agent or room. */
  locks: KeyedMutex;
  /** The runtimes connected now; a changed token or a deleted agent ends its connection. */
  runtimes: {
    disconnect(agentId: number, reason: string): void;
    /** Whether the agent's runtime is connected now, and since when. */
    status(agentId: number): RuntimeStatus;
  };
  /** Successful changes and runtime connections, for the console's live event stream. */
  events: ModelEvents;
  /** Cached room roles for mention routing; every change to projects or agents invalidates it. */
  rooms: RoomDirectory;
}

export interface RuntimeStatus {
  online: boolean;
  connectedAt: Date | null;
}

export function createModelContext(parts: Omit<ModelContext, "locks" | "rooms" | "events">): ModelContext {
  return { ...parts, locks: new KeyedMutex(), rooms: new RoomDirectory(parts.db), events: new ModelEvents() };
}
