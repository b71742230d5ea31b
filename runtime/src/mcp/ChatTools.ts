import { randomUUID } from "node:crypto";
import { MAX_UPLOAD_BYTES, projectLabel, type ProjectRef, type RoomMessage } from "@aachat/protocol";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import type { FilePoster } from "../chat/MediaUploads.ts";
import type { IdentitySource } from "../client/AgentIdentity.ts";
import { parseToolArgs, type ChatToolName } from "./chatToolSchemas.ts";
import { readWorkspaceFile } from "./workspaceFile.ts";

/** Where a turn answers: its room, its thread, the message it answers. */
export interface TurnPlace {
  roomId: string;
  threadRootId: string | null;
  replyTo: string | null;
}

/** What a tool call may use of its session: its coverage, and where it has read up to. */
export interface ToolSession {
  id: string;
  projects: readonly ProjectRef[];
  readCursors: Record<string, string>;
  /** Persists readCursors after read_unread moved them. */
  cursorsChanged(): void;
  /** The session's worktree, which send_file posts from. */
  readonly workspace?: string | null;
  /** Where the running turn answers, where send_file posts by default. */
  readonly turnPlace?: TurnPlace | null;
}

const DEFAULT_UNREAD_LIMIT = 30;

/**
 * Carries out the chat tools of one session's agent, within what the session covers: it
 * posts only in covered projects and its owner's DM, and reads only those.
 */
export class ChatTools {
  constructor(
    private readonly chat: ChatRequests,
    private readonly identity: IdentitySource,
    private readonly files?: FilePoster,
  ) {}

  /** Resolves with the text the agent sees as the tool's result; rejects with a message for it. */
  async run(session: ToolSession, tool: ChatToolName, rawArgs: unknown): Promise<string> {
    switch (tool) {
      case "send_message": {
        const args = parseToolArgs(tool, rawArgs);
        const project = covered(session, args.project);
        const { eventId } = await this.chat.request("message.send", {
          roomId: project.roomId,
          body: args.text,
          key: `tool:${session.id}:${randomUUID()}`,
        });
        return `Posted in ${projectLabel(project)} (event ${eventId}).`;
      }
      case "reply_in_thread": {
        const args = parseToolArgs(tool, rawArgs);
        const project = covered(session, args.project);
        const { eventId } = await this.chat.request("message.send", {
          roomId: project.roomId,
          body: args.text,
          threadRootId: args.thread_root_event_id,
          key: `tool:${session.id}:${randomUUID()}`,
        });
        return `Replied in the thread of ${args.thread_root_event_id} in ${projectLabel(project)} (event ${eventId}).`;
      }
      case "dm_owner": {
        const args = parseToolArgs(tool, rawArgs);
        const identity = await this.identity.get();
        const { eventId } = await this.chat.request("message.send", {
          roomId: identity.dmRoomId,
          body: args.text,
          mentions: [identity.ownerUserId],
          key: `tool:${session.id}:${randomUUID()}`,
        });
        return `Sent to your owner ${identity.ownerUserId} (event ${eventId}).`;
      }
      case "react": {
        const args = parseToolArgs(tool, rawArgs);
        const project = covered(session, args.project);
        await this.chat.request("reaction.send", { roomId: project.roomId, eventId: args.event_id, key: args.emoji });
        return `Reacted ${args.emoji} to ${args.event_id}.`;
      }
      case "send_file": {
        const args = parseToolArgs(tool, rawArgs);
        if (!this.files) throw new Error("this runtime cannot post files");
        if (!session.workspace) throw new Error("this session has no workspace yet");
        const project = args.project ? covered(session, args.project) : null;
        const place = project ? { roomId: project.roomId, threadRootId: null, replyTo: null } : session.turnPlace;
        if (!place) throw new Error("you are not answering anyone now: say which project to post the file in");
        const file = await readWorkspaceFile(session.workspace, args.path, MAX_UPLOAD_BYTES);
        const { eventId } = await this.files.post({ ...place, ...file, key: `tool:${session.id}:${randomUUID()}` });
        const where = project ? projectLabel(project) : "this conversation";
        return `Posted ${file.name} (${file.bytes.length} bytes, ${file.mimetype}) in ${where} (event ${eventId}).`;
      }
      case "read_unread": {
        const args = parseToolArgs(tool, rawArgs);
        const projects = args.project ? [covered(session, args.project)] : session.projects;
        const sections: string[] = [];
        for (const project of projects) {
          sections.push(await this.#readUnread(session, project, args.limit ?? DEFAULT_UNREAD_LIMIT));
        }
        session.cursorsChanged();
        return sections.join("\n\n");
      }
    }
  }

  async #readUnread(session: ToolSession, project: ProjectRef, limit: number): Promise<string> {
    const after = session.readCursors[project.roomId] ?? null;
    const { messages } = await this.chat.request("room.messages", { roomId: project.roomId, after, limit });
    const label = projectLabel(project);
    const newest = messages.at(-1);
    if (!newest) return `${label}: nothing unread.`;
    session.readCursors[project.roomId] = newest.eventId;
    await this.chat.request("receipt.send", { roomId: project.roomId, eventId: newest.eventId }).catch(() => undefined);
    return [
      `${label}: ${messages.length} unread${after ? "" : " (the most recent; nothing was read before)"}`,
      ...messages.map(format),
    ].join("\n");
  }
}

function covered(session: ToolSession, selector: string): ProjectRef {
  const [team, name] = selector.includes("/") ? selector.split("/", 2) : [undefined, selector];
  const matches = session.projects.filter((p) => p.name === name && (team === undefined || p.team === team));
  const list = session.projects.map(projectLabel).join(", ");
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`'${selector}' is ambiguous here; say TEAM/PROJECT (covered: ${list})`);
  throw new Error(`this session does not cover '${selector}'; it covers ${list}`);
}

function format(message: RoomMessage): string {
  const thread = message.threadRootId ? ` [in thread ${message.threadRootId}]` : "";
  return `- ${message.ts.slice(0, 16).replace("T", " ")} ${message.senderName} (${message.sender}, ${message.senderKind}) ${message.eventId}${thread}: ${message.body}`;
}
