import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import type { FilePoster } from "../chat/MediaUploads.ts";
import type { MediaSource } from "../chat/MediaDownloads.ts";
import type { OwnerChannel } from "../chat/OwnerChannel.ts";
import type { IdentitySource } from "../client/AgentIdentity.ts";
import type { RuntimeConfig } from "../files/config.ts";
import type { ChatToolsAccess } from "../mcp/ChatToolsHost.ts";
import type { PermissionAsker } from "../permissions/PermissionBroker.ts";

/** Publishes what a session changed in the agent's repository; never rejects. */
export interface MemoryPublishing {
  publish(workspace: string, message: string, key: string): Promise<void>;
}

/** What becomes of the signals given to a session. */
export interface SignalHandback {
  /** The signal was answered: it is not processed again. */
  done(signalId: string): Promise<void>;
  /** The session stopped before answering these: they go to whichever session covers them now. */
  giveBack(signals: SignalPayload[]): void;
}

/** The agent's daily cost limit (see BudgetGate). */
export interface BudgetAccess {
  configure(dailyUsd: number | null): Promise<void>;
  /** Resolves once the agent may answer `signal` (false: aborted first); `waiting` is called if it must wait. */
  admit(signal: SignalPayload, abort: AbortSignal, waiting?: () => void): Promise<boolean>;
  record(turn: { sessionId: string; key: string; tokens: number; costUsd: number }): Promise<void>;
  readonly paused: string | null;
}

/** Keeps the sessions: persists and reports them when one changed. */
export interface SessionKeeper {
  changed(): void;
}

/** What a session is given to work with; the same for every session, but for its keeper. */
export interface SessionDeps {
  config: Pick<RuntimeConfig, "agent" | "repoDir" | "agentCommand" | "editIntervalMs">;
  /** The owner's environment, for the agent process. */
  env: NodeJS.ProcessEnv;
  log: Logger;
  identity: IdentitySource;
  /** Asks the appservice to act as the agent in chat. */
  chat: ChatRequests;
  /** Posts files in chat as the agent (the diffs and outputs too long for an answer). */
  files?: FilePoster;
  /** Downloads the images and files people send the agent. */
  media: MediaSource;
  permissions: PermissionAsker;
  memory: MemoryPublishing;
  owner: OwnerChannel;
  tools: ChatToolsAccess;
  signals: SignalHandback;
  keeper: SessionKeeper;
  budget: BudgetAccess;
}
