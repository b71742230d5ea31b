import type { CommandName, CommandParams, CommandResult, RuntimeState } from "@aachat/protocol";
import AsyncLock from "async-lock";
import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { UserId } from "../matrix/ids.ts";
import type { MatrixApi } from "../matrix/MatrixApi.ts";
import type { OutboundQueue } from "../matrix/OutboundQueue.ts";
import type { Puppets } from "../matrix/Puppets.ts";
import { AgentFollowUps } from "./AgentFollowUps.ts";
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
  /** Serialises changes to the same team, agent or room: each waits until the one before it settled. */
  locks: AsyncLock;
  /** The runtimes connected now; a changed token or a deleted agent ends its connection. */
  runtimes: {
    disconnect(agentId: number, reason: string): void;
    /** Whether the agent's runtime is connected now, since when, and what it last reported. */
    status(agentId: number): RuntimeStatus;
    /** Asks the agent's runtime to do something and resolves with its answer; rejects with a DomainError. */
    command<C extends CommandName>(agentId: number, name: C, params: CommandParams<C>): Promise<CommandResult<C>>;
  };
  /** Successful changes and runtime connections, for the console's live event stream. */
  events: ModelEvents;
  /** Cached room roles for mention routing; every change to projects or agents invalidates it. */
  rooms: RoomDirectory;
  /** Agent registrations' work left after their answer: see AgentFollowUps. */
  agentFollowUps: AgentFollowUps;
  settings: ModelSettings;
}

/** The knobs of the model, from aachat.yaml. */
export interface ModelSettings {
  /** Agent-to-agent mentions in a row per thread before the chain is stopped. */
  maxMentionHops: number;
}

export const DEFAULT_MODEL_SETTINGS: ModelSettings = { maxMentionHops: 3 };

export interface RuntimeStatus {
  online: boolean;
  connectedAt: Date | null;
  state: RuntimeState | null;
}

export function createModelContext(
  parts: Omit<ModelContext, "locks" | "rooms" | "events" | "agentFollowUps" | "settings"> & {
    settings?: Partial<ModelSettings>;
  },
): ModelContext {
  return {
    ...parts,
    settings: { ...DEFAULT_MODEL_SETTINGS, ...parts.settings },
    // Unbounded: async-lock's default refuses a 1001st waiting change to one team.
    locks: new AsyncLock({ maxPending: Infinity }),
    rooms: new RoomDirectory(parts.db),
    events: new ModelEvents(),
    agentFollowUps: new AgentFollowUps(),
  };
}
