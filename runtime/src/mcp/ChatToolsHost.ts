import { randomBytes } from "node:crypto";
import type { McpServer } from "@agentclientprotocol/sdk";
import type { ControlResponse } from "../control/controlProtocol.ts";
import { requiredAachatFile } from "@aachat/protocol/installLayout";
import type { ChatTools, ToolSession } from "./ChatTools.ts";
import type { ChatToolName } from "./chatToolSchemas.ts";

const CHAT_TOOLS_BIN = requiredAachatFile("chatToolsBin");

/** A session's hold on its chat tools: the MCP server its agent is given, until closed. */
export interface ChatToolsLease {
  server: McpServer;
  close(): void;
}

/** What a session needs to give its agent chat tools. */
export interface ChatToolsAccess {
  open(session: ToolSession): ChatToolsLease;
}

/**
 * The sessions' chat tools servers. Each session's agent runs its own, which reaches the
 * runtime over the control socket and names its session by a secret key; a key stops
 * working when its session lets go of it.
 */
export class ChatToolsHost implements ChatToolsAccess {
  readonly #sessions = new Map<string, ToolSession>();

  constructor(
    private readonly socketPath: string,
    private readonly tools: ChatTools,
  ) {}

  open(session: ToolSession): ChatToolsLease {
    const key = randomBytes(24).toString("base64url");
    this.#sessions.set(key, session);
    return {
      server: {
        name: "aachat",
        command: process.execPath,
        args: [CHAT_TOOLS_BIN],
        env: [
          { name: "AACHAT_RUNTIME_SOCKET", value: this.socketPath },
          { name: "AACHAT_SESSION_KEY", value: key },
        ],
      },
      close: () => {
        this.#sessions.delete(key);
      },
    };
  }

  /** Carries out a tool call from the chat tools server holding `key`. */
  async run(key: string, tool: ChatToolName, args: unknown): Promise<ControlResponse> {
    const session = this.#sessions.get(key);
    if (!session) return { ok: false, error: "this chat tools server's session has ended" };
    try {
      return { ok: true, text: await this.tools.run(session, tool, args) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
