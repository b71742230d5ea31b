import {
  RequestError,
  methods,
  type AgentContext,
  type AvailableCommand,
  type SessionConfigOption,
  type SessionModeState,
} from "@agentclientprotocol/sdk";

/** The modes Claude Code offers (see claude-agent-acp's session-mode.js). */
const MODES = [
  { id: "default", name: "Manual", description: "Always ask before making changes" },
  { id: "acceptEdits", name: "Accept edits", description: "Automatically accept all file edits" },
  { id: "plan", name: "Plan", description: "Create a plan before making changes" },
  { id: "bypassPermissions", name: "Bypass permissions", description: "Accepts all permissions" },
];

const MODELS = [
  { value: "sonnet", name: "Sonnet", description: "Everyday tasks" },
  { value: "opus", name: "Opus", description: "Complex work" },
  { value: "haiku", name: "Haiku", description: "Quick answers" },
];

/** The slash commands announced after `session/new` and `session/load`. */
export const COMMANDS: AvailableCommand[] = [
  { name: "review", description: "Review the changes on this branch", input: { hint: "what to review" } },
  { name: "init", description: "Write a CLAUDE.md for this repository" },
];

/** Each live session's mode and model; a new process starts every session in `default` / `sonnet`. */
const chosen = new Map<string, { mode: string; model: string }>();

function of(sessionId: string): { mode: string; model: string } {
  let current = chosen.get(sessionId);
  if (!current) {
    current = { mode: "default", model: "sonnet" };
    chosen.set(sessionId, current);
  }
  return current;
}

/** What `session/new` and `session/load` answer besides the session id. */
export function announced(sessionId: string): { modes: SessionModeState; configOptions: SessionConfigOption[] } {
  return {
    modes: { currentModeId: of(sessionId).mode, availableModes: MODES },
    configOptions: configOptions(sessionId),
  };
}

function configOptions(sessionId: string): SessionConfigOption[] {
  return [
    {
      id: "model",
      name: "Model",
      category: "model",
      type: "select",
      currentValue: of(sessionId).model,
      options: MODELS,
    },
  ];
}

/** Sends the slash commands once the session's answer is on its way (as Claude Code does). */
export function announceCommands(sessionId: string, client: AgentContext): void {
  setImmediate(() => {
    void client
      .notify(methods.client.session.update, {
        sessionId,
        update: { sessionUpdate: "available_commands_update", availableCommands: COMMANDS },
      })
      .catch(() => undefined);
  });
}

/** `session/set_mode`: an unknown mode is invalid params; a known one is confirmed by `current_mode_update`. */
export async function setMode(sessionId: string, modeId: string, client: AgentContext): Promise<void> {
  if (!MODES.some((mode) => mode.id === modeId)) throw RequestError.invalidParams(undefined, `no mode ${modeId}`);
  of(sessionId).mode = modeId;
  await client.notify(methods.client.session.update, {
    sessionId,
    update: { sessionUpdate: "current_mode_update", currentModeId: modeId },
  });
}

/** `session/set_config_option` for the model: answered with the options, and a `config_option_update`. */
export async function setConfigOption(
  sessionId: string,
  configId: string,
  value: unknown,
  client: AgentContext,
): Promise<{ configOptions: SessionConfigOption[] }> {
  if (configId !== "model") throw RequestError.invalidParams(undefined, `no config option ${configId}`);
  if (!MODELS.some((model) => model.value === value))
    throw RequestError.invalidParams(undefined, `no model ${String(value)}`);
  of(sessionId).model = value as string;
  const options = configOptions(sessionId);
  await client.notify(methods.client.session.update, {
    sessionId,
    update: { sessionUpdate: "config_option_update", configOptions: options },
  });
  return { configOptions: options };
}
