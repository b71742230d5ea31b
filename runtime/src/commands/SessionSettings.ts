import type {
  AvailableCommand,
  SessionConfigOption,
  SessionConfigSelectOption,
  SessionConfigSelectOptions,
  SessionModeState,
  SessionUpdate,
} from "@agentclientprotocol/sdk";

/** What `!mode` and `!model` switch. */
export type SettingKind = "mode" | "model";

/** One value a setting may take, as the agent names it. */
export interface Choice {
  id: string;
  name: string;
  description: string | null;
}

/** How to ask the agent for a value: ACP `session/set_mode`, or `session/set_config_option`. */
export type SettingChange =
  | { via: "set_mode"; kind: SettingKind; value: string }
  | { via: "set_config_option"; kind: SettingKind; configId: string; value: string };

export type Resolved = { ok: true; change: SettingChange } | { ok: false; reason: string };

/**
 * What the agent announced about its session: its modes (`modes` in the session/new or
 * session/load response), its config options (mode, model, …), its slash commands and the
 * conversation's title; kept current from the updates it sends, also outside turns.
 */
export class SessionSettings {
  #modes: SessionModeState | null = null;
  #options: SessionConfigOption[] = [];
  #commands: AvailableCommand[] = [];
  #title: string | null = null;

  /** A session was opened (new or loaded): its modes and options, as the agent answered. */
  opened(response: { modes?: SessionModeState | null; configOptions?: SessionConfigOption[] | null }): void {
    this.#modes = response.modes ?? null;
    this.#options = response.configOptions ?? [];
  }

  /** Takes in an update the agent sent; true when it changed what the session reports. */
  apply(update: SessionUpdate): boolean {
    switch (update.sessionUpdate) {
      case "current_mode_update":
        if (this.#modes) this.#modes = { ...this.#modes, currentModeId: update.currentModeId };
        this.#setOption("mode", update.currentModeId);
        return true;
      case "config_option_update":
        this.configOptionsChanged(update.configOptions);
        return true;
      case "session_info_update":
        if (update.title === undefined) return false;
        this.#title = update.title;
        return true;
      case "available_commands_update":
        this.#commands = update.availableCommands;
        return false;
      default:
        return false;
    }
  }

  /** The agent answered a `session/set_config_option` with its options as they are now. */
  configOptionsChanged(options: SessionConfigOption[]): void {
    this.#options = options;
    const mode = this.#option("mode");
    if (this.#modes && mode && typeof mode.currentValue === "string")
      this.#modes = { ...this.#modes, currentModeId: mode.currentValue };
  }

  /** The agent accepted a change (some agents confirm with no update). */
  changed(change: SettingChange): void {
    if (change.kind === "mode" && this.#modes) this.#modes = { ...this.#modes, currentModeId: change.value };
    this.#setOption(change.kind, change.value);
  }

  get title(): string | null {
    return this.#title;
  }

  get commands(): readonly AvailableCommand[] {
    return this.#commands;
  }

  /** The agent's slash command of that name (case-insensitive, without `/`), if it has one. */
  command(name: string): AvailableCommand | undefined {
    const wanted = name.toLowerCase();
    return this.#commands.find((command) => command.name.replace(/^\//, "").toLowerCase() === wanted);
  }

  current(kind: SettingKind): string | null {
    if (kind === "mode" && this.#modes) return this.#modes.currentModeId;
    const option = this.#option(kind);
    return option && typeof option.currentValue === "string" ? option.currentValue : null;
  }

  choices(kind: SettingKind): Choice[] {
    if (kind === "mode" && this.#modes) {
      return this.#modes.availableModes.map((mode) => ({
        id: mode.id,
        name: mode.name,
        description: mode.description ?? null,
      }));
    }
    const option = this.#option(kind);
    if (!option || option.type !== "select") return [];
    return flatten(option.options).map((choice) => ({
      id: choice.value,
      name: choice.name,
      description: choice.description ?? null,
    }));
  }

  /** How to switch `kind` to `name` (an id or a display name, any case), or why it cannot be. */
  resolve(kind: SettingKind, name: string): Resolved {
    const choices = this.choices(kind);
    if (choices.length === 0) return { ok: false, reason: `This agent offers no ${kind}s to choose from.` };
    const wanted = name.trim().toLowerCase();
    const choice =
      choices.find((c) => c.id.toLowerCase() === wanted) ?? choices.find((c) => c.name.toLowerCase() === wanted);
    if (!choice) {
      const valid = choices.map((c) => `\`${c.id}\``).join(", ");
      return {
        ok: false,
        reason: wanted ? `Unknown ${kind} \`${name.trim()}\`. Choose one of: ${valid}.` : `Choose a ${kind}: ${valid}.`,
      };
    }
    if (kind === "mode" && this.#modes) return { ok: true, change: { via: "set_mode", kind, value: choice.id } };
    return { ok: true, change: { via: "set_config_option", kind, configId: this.#option(kind)!.id, value: choice.id } };
  }

  #option(kind: SettingKind): SessionConfigOption | undefined {
    return this.#options.find((option) => option.category === kind);
  }

  #setOption(kind: SettingKind, value: string): void {
    this.#options = this.#options.map((option) =>
      option.category === kind && option.type === "select" ? { ...option, currentValue: value } : option,
    );
  }
}

function flatten(options: SessionConfigSelectOptions): SessionConfigSelectOption[] {
  const flat: SessionConfigSelectOption[] = [];
  for (const entry of options) {
    if ("group" in entry) flat.push(...entry.options);
    else flat.push(entry);
  }
  return flat;
}
