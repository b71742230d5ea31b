import type { RuntimeStatus } from "../model/ModelContext.ts";
import type { RuntimeConnection } from "./RuntimeConnection.ts";

/** WebSocket close code when the connection's token stops being valid. */
export const RUNTIME_CLOSE_CREDENTIALS_CHANGED = 4001;

/**
 * Knows the one live runtime connection of each agent and pushes newly stored signals to
 * it. The connection reads them from the database, so order and content are the stored rows.
 */
export class SignalDispatcher {
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
    void connection.close(RUNTIME_CLOSE_CREDENTIALS_CHANGED, reason);
  }

  status(agentId: number): RuntimeStatus {
    const connection = this.#connections.get(agentId);
    return connection ? { online: true, connectedAt: connection.connectedAt } : { online: false, connectedAt: null };
  }

  connections(): RuntimeConnection[] {
    return [...this.#connections.values()];
  }

  /** MentionHandler's listener: new signals are stored for these agents. */
  readonly signalsStored = (agentIds: number[]): void => {
    for (const agentId of new Set(agentIds)) void this.#connections.get(agentId)?.deliverPending();
  };
}
