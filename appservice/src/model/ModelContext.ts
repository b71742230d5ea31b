import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { UserId } from "../matrix/ids.ts";
import type { MatrixApi } from "../matrix/MatrixApi.ts";
import type { OutboundQueue } from "../matrix/OutboundQueue.ts";
import type { Puppets } from "../matrix/Puppets.ts";
import { KeyedMutex } from "./KeyedMutex.ts";

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
}

export function createModelContext(parts: Omit<ModelContext, "locks">): ModelContext {
  return { ...parts, locks: new KeyedMutex() };
}
