import type { SignalPayload } from "@aachat/protocol";
import type { Logger } from "pino";
import type { ChatRequests } from "../chat/ChatRequests.ts";
import { replyNotice } from "../chat/replyNotice.ts";
import type { AgentIdentity } from "../client/AgentIdentity.ts";
import type { AgentSession } from "../sessions/AgentSession.ts";
import { helpText, statusText } from "./helpText.ts";
import { isOwnCommand, type ChatCommand, type OwnCommand } from "./parseCommand.ts";
import type { SettingKind } from "./SessionSettings.ts";

export interface ChatCommandsDeps {
  chat: ChatRequests;
  /** Marks a signal answered. */
  done(signalId: string): Promise<void>;
  /** Stops the turn running in the room (any session's); true when there was one. */
  stopTurnIn(signal: SignalPayload): boolean;
  log: Logger;
}

/**
 * What a command becomes: answered here (the signal is marked done, now or once the
 * command has finished), a turn with the agent's own slash command, or nothing to do with
 * commands (the router goes on as for any message).
 */
export type CommandOutcome = { kind: "answered" } | { kind: "turn"; command: string } | { kind: "pass" };

/** The mode no one but the agent's owner may switch to: the agent then asks no one. */
const OWNER_ONLY_MODES = new Set(["bypasspermissions"]);

/**
 * aachat's chat commands (`!help`, `!mode`, `!model`, `!compact`, `!cancel`, `!status`),
 * carried out at once, beside the session's turn queue, each answered by one notice that
 * replies to it; and the agent's own slash commands, turned into turns.
 */
export class ChatCommands {
  constructor(private readonly deps: ChatCommandsDeps) {}

  async handle(
    signal: SignalPayload,
    command: ChatCommand,
    session: AgentSession | undefined,
    identity: AgentIdentity,
  ): Promise<CommandOutcome> {
    const agents = session?.settings.command(command.name);
    // `/compact` after a mention is the agent's own; `!compact` is aachat's.
    if (agents && (command.prefix === "/" || !isOwnCommand(command.name))) {
      const name = agents.name.replace(/^\//, "");
      return { kind: "turn", command: `/${name}${command.args ? ` ${command.args}` : ""}` };
    }
    const name = command.name === "stop" ? "cancel" : command.name;
    if (!isOwnCommand(name)) {
      // "@Agent /tmp is full" is a message about a path, not a command.
      if (!session || command.prefix === "/") return { kind: "pass" };
      await this.#answer(
        signal,
        `\`${command.prefix}${command.name}\` is not a command I know. Send \`!help\` for the list.`,
      );
      return { kind: "answered" };
    }
    this.deps.log.info({ signal: signal.id, command: name, sender: signal.sender }, "chat command");
    const pending = this.#run(name, command.args, signal, session, identity);
    if (name === "compact") {
      // Compacting waits for the running turn: signals behind it are routed meanwhile.
      void pending.catch((error: unknown) => this.deps.log.warn({ err: error }, "compact command failed"));
    } else {
      await pending;
    }
    return { kind: "answered" };
  }

  async #run(
    name: OwnCommand,
    args: string,
    signal: SignalPayload,
    session: AgentSession | undefined,
    identity: AgentIdentity,
  ): Promise<void> {
    const noSession = "No session of mine covers this room. Start one with `aachat agent start`.";
    switch (name) {
      case "help":
        return this.#answer(
          signal,
          helpText(
            session
              ? {
                  modes: session.settings.choices("mode"),
                  models: session.settings.choices("model"),
                  current: { mode: session.settings.current("mode"), model: session.settings.current("model") },
                  commands: session.settings.commands,
                }
              : null,
          ),
        );
      case "status":
        return this.#answer(signal, session ? statusText(session.state()) : noSession);
      case "cancel":
        if (!signal.senderCanControl) return this.#answer(signal, refusal(identity, "stop my turns"));
        return this.#answer(
          signal,
          this.deps.stopTurnIn(signal) ? "🛑 Stopping the running turn." : "Nothing is running here to stop.",
        );
      case "compact": {
        if (!signal.senderCanControl) return this.#answer(signal, refusal(identity, "compact my conversation"));
        if (!session) return this.#answer(signal, noSession);
        const compacted = await session.compact();
        return this.#answer(
          signal,
          compacted ? "🗜️ Conversation compacted." : "⚠️ The conversation could not be compacted.",
        );
      }
      case "mode":
      case "model":
        return this.#switch(name, args, signal, session, identity);
    }
  }

  async #switch(
    kind: SettingKind,
    args: string,
    signal: SignalPayload,
    session: AgentSession | undefined,
    identity: AgentIdentity,
  ): Promise<void> {
    if (!signal.senderCanControl) return this.#answer(signal, refusal(identity, `switch my ${kind}`));
    if (!session)
      return this.#answer(signal, "No session of mine covers this room. Start one with `aachat agent start`.");
    const current = session.settings.current(kind);
    const resolved = session.settings.resolve(kind, args);
    if (!resolved.ok) {
      const now = current && args === "" ? `Current ${kind}: \`${current}\`. ` : "";
      return this.#answer(signal, `${now}${resolved.reason}`);
    }
    const { change } = resolved;
    if (kind === "mode" && OWNER_ONLY_MODES.has(change.value.toLowerCase()) && signal.sender !== identity.ownerUserId) {
      return this.#answer(signal, `Only my owner ${identity.ownerUserId} may switch me to \`${change.value}\`.`);
    }
    if (current === change.value) return this.#answer(signal, `Already ${kind} \`${change.value}\`.`);
    try {
      await session.switchTo(change);
    } catch (error) {
      this.deps.log.warn({ err: error, kind, value: change.value }, "could not switch");
      return this.#answer(signal, `⚠️ Could not switch the ${kind}: ${(error as Error).message}`);
    }
    const was = current ? ` (was \`${current}\`)` : "";
    return this.#answer(signal, `${kind === "mode" ? "Mode" : "Model"}: \`${change.value}\`${was}.`);
  }

  async #answer(signal: SignalPayload, body: string): Promise<void> {
    await replyNotice(this.deps.chat, this.deps.log, signal, {
      body,
      key: `command:${signal.id}`,
      failure: "could not answer a command",
    });
    await this.deps.done(signal.id);
  }
}

function refusal(identity: AgentIdentity, what: string): string {
  return `Only my owner ${identity.ownerUserId} or an owner or admin of the team may ${what}.`;
}
