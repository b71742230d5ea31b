import { RUNTIME_CLOSE, type CommandName, type CommandParams, type CommandResult } from "@aachat/protocol";
import { DomainError } from "../errors/DomainError.ts";
import type { RuntimeStatus } from "../model/ModelContext.ts";
import type { RuntimeConnection } from "./RuntimeConnection.ts";

/** How long a command may take: starting a session spawns an agent process and opens a conversation. */
const COMMAND_TIMEOUT_MS: Record<CommandName, number> = {
  "session.start": 120_000,
  "session.restart": 120_000,
  "session.stop": 60_000,
  "session.compact": 15_000,
  "budget.changed": 10_000,
  "logs.tail": 10_000,
};

/**
 * Knows the one live runtime connection of each agent: pushes newly stored signals to it,
 * passes commands on, and answers who is online with what state.
 */
export class RuntimeRegistry {
  readonly #connections = new Map<number, RuntimeConnection>();

  /** Makes this the agent's connection; returns the older one it replaces, if any. */
  register(connection: RuntimeConnection): RuntimeConnection | undefined {
    const older = this.#connections.get(connection.agent.id);
    this.#connections.set(connection.agent.id, connection);
    return older;
  }

  /** Forgets the connection unless a newer one has already replaced it. */
  unregister(connection: RuntimeConnection): void {
    if (this.#connections.get(connection.agent.id) === connection) this.#connections.delete(connection.agent.id);
  }

  /** Closes the agent's connection (its token was rotated or revoked, or the agent deleted). */
  disconnect(agentId: number, reason: string): void {
    const connection = this.#connections.get(agentId);
    if (!connection) return;
    this.#connections.delete(agentId);
    void connection.close(RUNTIME_CLOSE.credentialsChanged, reason);
  }

  status(agentId: number): RuntimeStatus {
    const connection = this.#connections.get(agentId);
    // A connection being closed (e.g. an overloaded one) no longer counts as the agent's runtime.
    return connection?.isOpen
      ? { online: true, connectedAt: connection.connectedAt, state: connection.state }
      : { online: false, connectedAt: null, state: null };
  }

  command<C extends CommandName>(agentId: number, name: C, params: CommandParams<C>): Promise<CommandResult<C>> {
    const connection = this.#connections.get(agentId);
    if (!connection?.isOpen) {
      return Promise.reject(
        new DomainError(
          "unavailable",
          "the agent's runtime is not running; start it on its owner's machine with `aachat agent start NAME -p PROJECT`",
        ),
      );
    }
    return connection.command(name, params, COMMAND_TIMEOUT_MS[name]);
  }

  connections(): RuntimeConnection[] {
    return [...this.#connections.values()];
  }

  /** The mention handlers' listener: new signals are stored for these agents. */
  readonly signalsStored = (agentIds: number[]): void => {
    for (const agentId of new Set(agentIds)) void this.#connections.get(agentId)?.deliverPending();
  };
}
