import { joinRoom, markDirect, pendingInvites, type Agent, type ApiClient, type MeResponse } from "@aachat/api";
import { messageOf } from "./errors.ts";
import type { Session } from "./session.ts";

/** A room the person should be in, and how to name it in a note. */
export interface RoomToJoin {
  roomId: string;
  what: string;
}

/** A landing step that failed: said to the person, never undoing what they made. */
export class LandingNoteEvent extends Event {
  static readonly type = "note";

  constructor(readonly message: string) {
    super(LandingNoteEvent.type);
  }
}

/**
 * Lands the signed-in person inside what they make in the console, with their own Matrix
 * token: accepts the invitations to it, so it is in their Matrix client's sidebar, and
 * lists their agents' DMs as direct chats. A step that fails becomes a note (a
 * "note" event), never an error: what was made stays made.
 */
export class Landing extends EventTarget {
  readonly #session: Session;

  constructor(session: Session) {
    super();
    this.#session = session;
  }

  /** Joins each room; resolves once every join was tried. */
  async join(rooms: readonly RoomToJoin[]): Promise<void> {
    for (const { roomId, what } of rooms) {
      try {
        await joinRoom(this.#session, roomId);
      } catch (error) {
        this.#note(`Could not join ${what} (${messageOf(error)}). Accept the invitation in your Matrix client.`);
      }
    }
  }

  /** Joins the agent's DM and lists it as a direct chat, so clients show it under people. */
  async agentDm(agent: Pick<Agent, "userId" | "dmRoomId">): Promise<void> {
    await this.join([{ roomId: agent.dmRoomId, what: `the DM with ${agent.userId}` }]);
    await this.#markDirect([agent]);
  }

  /**
   * At sign-in: accepts the pending invitations to the rooms aachat says are the person's
   * (their teams' spaces, streams and projects, their agents' DMs; no other invitation is
   * touched) and lists their agents' DMs as direct chats, which also marks a DM room that a
   * reconcile recreated.
   */
  async signedIn(api: ApiClient, me: MeResponse): Promise<void> {
    let known: RoomToJoin[];
    let agents: Agent[];
    try {
      agents = (await api.listAgents()).filter((agent) => agent.owner === me.userId);
      known = [
        { roomId: me.personalTeam.spaceRoomId, what: "your personal team's space" },
        ...(await this.#teamRooms(api)),
        ...agents.map((agent) => ({ roomId: agent.dmRoomId, what: `the DM with ${agent.userId}` })),
      ];
    } catch (error) {
      this.#note(`Could not list your rooms to join them (${messageOf(error)}).`);
      return;
    }
    let invited: Set<string>;
    try {
      invited = await pendingInvites(this.#session);
    } catch (error) {
      this.#note(`Could not read your invitations (${messageOf(error)}). Accept them in your Matrix client.`);
      invited = new Set();
    }
    await this.join(known.filter(({ roomId }, index) => invited.has(roomId) && firstIndexOf(known, roomId) === index));
    await this.#markDirect(agents);
  }

  async #teamRooms(api: ApiClient): Promise<RoomToJoin[]> {
    const rooms: RoomToJoin[] = [];
    for (const team of await api.listTeams()) {
      rooms.push({ roomId: team.spaceRoomId, what: `team ${team.slug}'s space` });
      const detail = await api.getTeam(team.slug);
      for (const stream of detail.streams.filter((s) => !s.archived)) {
        rooms.push({ roomId: stream.roomId, what: `stream ${stream.name} of ${team.slug}` });
      }
      for (const project of detail.projects.filter((p) => !p.archived)) {
        rooms.push({ roomId: project.roomId, what: `project ${project.name} of ${team.slug}` });
      }
    }
    return rooms;
  }

  async #markDirect(agents: readonly Pick<Agent, "userId" | "dmRoomId">[]): Promise<void> {
    if (agents.length === 0) return;
    try {
      await markDirect(
        this.#session,
        agents.map((agent) => ({ userId: agent.userId, roomId: agent.dmRoomId })),
      );
    } catch (error) {
      this.#note(`Could not list your agents' DMs as direct chats (${messageOf(error)}).`);
    }
  }

  #note(message: string): void {
    this.dispatchEvent(new LandingNoteEvent(message));
  }
}

function firstIndexOf(rooms: readonly RoomToJoin[], roomId: string): number {
  return rooms.findIndex((room) => room.roomId === roomId);
}
