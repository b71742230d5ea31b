import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import { isStopCommand, STOP_REACTIONS } from "../chat/addressedText.ts";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import { replyNotice } from "../chat/replyNotice.ts";
import { ChatCommands } from "../commands/ChatCommands.ts";
import { parseCommand } from "../commands/parseCommand.ts";
import type { SignalJournal } from "./SignalJournal.ts";
import type { PermissionBroker } from "../permissions/PermissionBroker.ts";
import type { SessionManager } from "../sessions/SessionManager.ts";
import type { IdentitySource } from "../client/AgentIdentity.ts";
import type { BudgetGate } from "../usage/BudgetGate.ts";

export interface SignalRouterDeps {
  journal: SignalJournal;
  sessions: SessionManager;
  permissions: PermissionBroker;
  /** The owner's answers about the daily cost limit. */
  budget: Pick<BudgetGate, "answer">;
  chat: ChatRequests;
  identity: IdentitySource;
  /** Resolves once the sessions of the last run are back: routing waits for it. */
  ready: Promise<void>;
  log: Logger;
}

/**
 * Decides what a signal the runtime has taken over means: an answer to a permission
 * request, a stop (by reaction or `stop` command), a chat command (`!mode plan`, carried out
 * at once, not behind the running turn), or a message for the session covering its project
 * (the DM's go to the oldest session). A mention no session covers is told to the owner in
 * the agent's DM.
 */
export class SignalRouter {
  readonly #commands: ChatCommands;

  constructor(private readonly deps: SignalRouterDeps) {
    this.#commands = new ChatCommands({
      chat: deps.chat,
      done: (signalId) => deps.journal.done(signalId),
      stopTurnIn: (signal) =>
        deps.sessions.all().some((session) => session.stopTurnIn(signal.roomId, signal.threadRootId, signal.sender)),
      log: deps.log.child({ component: "commands" }),
    });
  }

  async route(signal: SignalPayload): Promise<void> {
    const { journal, sessions, permissions, log } = this.deps;
    await this.deps.ready;
    const identity = await this.deps.identity.get();
    const names = [identity.displayName, identity.name, identity.userId];
    if (permissions.answer(signal, names)) {
      log.info({ signal: signal.id }, "answered a permission request");
      return journal.done(signal.id);
    }
    if (await this.deps.budget.answer(signal)) {
      log.info({ signal: signal.id }, "the owner answered about the daily cost limit");
      return journal.done(signal.id);
    }
    if (signal.kind === "reaction") {
      const reaction = signal.reaction;
      if (reaction && STOP_REACTIONS.has(reaction.key) && signal.senderCanControl) {
        const stopped = sessions.all().some((session) => session.stopTurnConcerning(reaction.relatesTo, signal.sender));
        log.info({ signal: signal.id, stopped }, "stop reaction");
      }
      return journal.done(signal.id);
    }
    if (signal.senderCanControl && isStopCommand(signal.body, names)) {
      const stopped = sessions
        .all()
        .some((session) => session.stopTurnIn(signal.roomId, signal.threadRootId, signal.sender));
      log.info({ signal: signal.id, stopped }, "stop command");
      if (!stopped) await this.#say(signal, "Nothing is running here to stop.", `nothing-to-stop:${signal.id}`);
      return journal.done(signal.id);
    }
    return this.deliver(signal);
  }

  /** Gives the signal to the session that covers it (also for signals a stopped session gave back). */
  async deliver(signal: SignalPayload): Promise<void> {
    const { sessions, journal } = this.deps;
    const session =
      signal.kind === "dm"
        ? sessions.forDirectMessages()
        : signal.projectId !== null
          ? sessions.forProject(signal.projectId)
          : undefined;
    const identity = await this.deps.identity.get();
    const command = parseCommand(signal.body, [identity.displayName, identity.name, identity.userId]);
    if (command && signal.kind !== "reaction") {
      const outcome = await this.#commands.handle(signal, command, session, identity);
      if (outcome.kind === "answered") return;
      if (outcome.kind === "turn" && session) return session.enqueue(signal, outcome.command);
    }
    if (session) {
      session.enqueue(signal);
      return;
    }
    if (signal.kind === "dm") {
      await this.#say(
        signal,
        `No session of mine is running, so I can't answer yet. Start one with \`aachat agent start ${identity.name} -p PROJECT\`.`,
        `reply:${signal.id}`,
      );
    } else {
      const project = `${signal.team}/${signal.project}`;
      const quote = signal.body
        .split("\n")
        .slice(0, 6)
        .map((line) => `> ${line}`)
        .join("\n");
      await this.deps.chat
        .request("message.send", {
          roomId: identity.dmRoomId,
          notice: true,
          body: `${signal.sender} mentioned me in ${project}, but none of my sessions covers it:\n${quote}\n\nStart one with \`aachat agent start ${identity.name} -p ${project}\`, then ask again.`,
          mentions: [identity.ownerUserId],
          key: `uncovered:${signal.id}`,
        })
        .catch((error: unknown) =>
          this.deps.log.warn({ err: error }, "could not tell the owner about an uncovered mention"),
        );
    }
    await journal.done(signal.id);
  }

  async #say(signal: SignalPayload, body: string, key: string): Promise<void> {
    await replyNotice(this.deps.chat, this.deps.log, signal, { body, key, failure: "could not answer in chat" });
  }
}
