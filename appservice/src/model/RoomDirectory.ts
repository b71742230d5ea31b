import type { Db } from "../db/database.ts";

export interface AgentInRoom {
  id: number;
  userId: string;
  displayName: string;
  ownerUserId: string;
}

/** What a room is to the mention router. */
export type RoomRole =
  | { kind: "project"; projectId: number; teamId: number; archived: boolean; agents: AgentInRoom[] }
  | { kind: "dm"; agent: AgentInRoom; ownerUserId: string }
  | { kind: "other" };

/**
 * Which rooms are projects (with which agents) or agents' DMs, cached: every message
 * needs this, and it changes only through the model, which calls `invalidate()`.
 */
export class RoomDirectory {
  #rooms = new Map<string, RoomRole>();

  constructor(private readonly db: Db) {}

  async lookup(roomId: string): Promise<RoomRole> {
    const cached = this.#rooms.get(roomId);
    if (cached) return cached;
    const role = await this.#load(roomId);
    this.#rooms.set(roomId, role);
    return role;
  }

  /** Forget everything: called after any change to projects, agents or their memberships. */
  invalidate(): void {
    this.#rooms = new Map();
  }

  async #load(roomId: string): Promise<RoomRole> {
    const dmAgent = await this.db.agent.findUnique({ where: { dmRoomId: roomId } });
    if (dmAgent) {
      return {
        kind: "dm",
        agent: {
          id: dmAgent.id,
          userId: dmAgent.userId,
          displayName: dmAgent.displayName,
          ownerUserId: dmAgent.ownerUserId,
        },
        ownerUserId: dmAgent.ownerUserId,
      };
    }
    const project = await this.db.project.findUnique({
      where: { roomId },
      include: { agents: { include: { agent: true } } },
    });
    if (!project) return { kind: "other" };
    return {
      kind: "project",
      projectId: project.id,
      teamId: project.teamId,
      archived: project.archivedAt !== null,
      agents: project.agents.map(({ agent }) => ({
        id: agent.id,
        userId: agent.userId,
        displayName: agent.displayName,
        ownerUserId: agent.ownerUserId,
      })),
    };
  }
}
