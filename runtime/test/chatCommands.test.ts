import { describe, expect, it } from "vitest";
import type { SessionState } from "@aachat/protocol";
import { helpText, statusText } from "../src/commands/helpText.ts";
import { parseCommand } from "../src/commands/parseCommand.ts";
import { SessionSettings } from "../src/commands/SessionSettings.ts";

const names = ["Helper", "helper-1a2b", "@helper-1a2b:localhost"];

describe("parseCommand: a chat command addressed to the agent", () => {
  it("reads `!name args` in a DM and after a mention, keeping the arguments' case", () => {
    expect(parseCommand("!mode plan", names)).toEqual({ name: "mode", args: "plan", prefix: "!" });
    expect(parseCommand("Helper: !MODE Plan", names)).toEqual({ name: "mode", args: "Plan", prefix: "!" });
    expect(parseCommand("@helper-1a2b:localhost !review src/App.ts  --fast ", names)).toEqual({
      name: "review",
      args: "src/App.ts  --fast",
      prefix: "!",
    });
    expect(parseCommand("  !help  ", names)).toEqual({ name: "help", args: "", prefix: "!" });
    expect(parseCommand("!review first line\nsecond line", names)).toEqual({
      name: "review",
      args: "first line\nsecond line",
      prefix: "!",
    });
  });

  it("takes `/name` only after a mention (clients keep a leading `/` for themselves)", () => {
    expect(parseCommand("@Helper /review some args", names)).toEqual({
      name: "review",
      args: "some args",
      prefix: "/",
    });
    expect(parseCommand("Helper, /init", names)).toEqual({ name: "init", args: "", prefix: "/" });
    expect(parseCommand("/review some args", names)).toBeNull();
  });

  it("leaves ordinary messages alone", () => {
    expect(parseCommand("Helper, what is !mode?", names)).toBeNull();
    expect(parseCommand("Helpers !mode plan", names)).toBeNull();
    expect(parseCommand("! mode plan", names)).toBeNull();
    expect(parseCommand("!!!", names)).toBeNull();
    expect(parseCommand("path/to/file", names)).toBeNull();
  });
});

describe("SessionSettings: what the agent offers and what is chosen", () => {
  const modes = {
    currentModeId: "default",
    availableModes: [
      { id: "default", name: "Manual", description: "Always ask" },
      { id: "plan", name: "Plan" },
      { id: "bypassPermissions", name: "Bypass permissions" },
    ],
  };
  const modelOption = {
    id: "model",
    name: "Model",
    category: "model",
    type: "select" as const,
    currentValue: "sonnet",
    options: [
      {
        group: "claude",
        name: "Claude",
        options: [
          { value: "sonnet", name: "Sonnet" },
          { value: "opus", name: "Opus" },
        ],
      },
    ],
  };

  it("switches the mode with set_mode when the agent announced modes, and the model with its config option", () => {
    const settings = new SessionSettings();
    settings.opened({ modes, configOptions: [modelOption] });
    expect(settings.current("mode")).toBe("default");
    expect(settings.current("model")).toBe("sonnet");
    expect(settings.resolve("mode", "PLAN")).toEqual({
      ok: true,
      change: { via: "set_mode", kind: "mode", value: "plan" },
    });
    expect(settings.resolve("model", "Opus")).toEqual({
      ok: true,
      change: { via: "set_config_option", kind: "model", configId: "model", value: "opus" },
    });
    expect(settings.choices("model").map((c) => c.id)).toEqual(["sonnet", "opus"]);
  });

  it("uses a mode config option when the agent has no `modes`", () => {
    const settings = new SessionSettings();
    settings.opened({
      configOptions: [
        {
          id: "perm",
          name: "Mode",
          category: "mode",
          type: "select",
          currentValue: "a",
          options: [
            { value: "a", name: "A" },
            { value: "b", name: "B" },
          ],
        },
      ],
    });
    expect(settings.resolve("mode", "b")).toEqual({
      ok: true,
      change: { via: "set_config_option", kind: "mode", configId: "perm", value: "b" },
    });
    expect(settings.resolve("model", "x")).toEqual({
      ok: false,
      reason: "This agent offers no models to choose from.",
    });
  });

  it("says which names are valid for an unknown one", () => {
    const settings = new SessionSettings();
    settings.opened({ modes });
    expect(settings.resolve("mode", "nonsense")).toEqual({
      ok: false,
      reason: "Unknown mode `nonsense`. Choose one of: `default`, `plan`, `bypassPermissions`.",
    });
  });

  it("follows the agent's updates: mode, options, title and commands", () => {
    const settings = new SessionSettings();
    settings.opened({ modes, configOptions: [modelOption] });
    expect(settings.apply({ sessionUpdate: "current_mode_update", currentModeId: "plan" })).toBe(true);
    expect(settings.current("mode")).toBe("plan");
    expect(
      settings.apply({
        sessionUpdate: "config_option_update",
        configOptions: [{ ...modelOption, currentValue: "opus" }],
      }),
    ).toBe(true);
    expect(settings.current("model")).toBe("opus");
    expect(settings.apply({ sessionUpdate: "session_info_update", title: "Fix the build" })).toBe(true);
    expect(settings.title).toBe("Fix the build");
    settings.apply({
      sessionUpdate: "available_commands_update",
      availableCommands: [{ name: "review", description: "Review" }],
    });
    expect(settings.command("REVIEW")?.name).toBe("review");
    expect(settings.command("init")).toBeUndefined();
  });
});

describe("helpText and statusText: read on a phone", () => {
  it("lists aachat's commands, the modes and models with the current one marked, and the agent's commands as !name", () => {
    const text = helpText({
      modes: [
        { id: "default", name: "Manual", description: null },
        { id: "plan", name: "Plan", description: null },
      ],
      models: [{ id: "sonnet", name: "sonnet", description: null }],
      current: { mode: "plan", model: "sonnet" },
      commands: [
        {
          name: "review",
          description: "Review the current diff, or a PR number/branch/path target, for correctness bugs",
          input: { hint: "files" },
        },
        { name: "init", description: "Initialize a new CLAUDE.md file" },
        { name: "compact", description: "Free up context" },
        { name: "__remote-workflow", description: "internal" },
      ],
    });
    expect(text).toContain("- `!mode NAME` — switch the session's mode");
    expect(text).toContain("- `default` — Manual\n- `plan` ← current");
    expect(text).toContain("**Models**\n- `sonnet` ← current");
    expect(text).toContain(
      "**Agent commands**\n- `!review …` — Review the current diff, or a PR…\n- `!init` — Initialize a new CLAUDE.md file\n",
    );
    expect(text).not.toContain("remote-workflow");
    expect(text).not.toContain("`!compact` — Free up context");
    expect(text).toContain("_The agent's own `/compact`: write it after a mention._");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(66);
  });

  it("says when no session covers the room", () => {
    expect(helpText(null)).toContain("No session of mine covers this room");
  });

  it("puts the session's state in one short notice", () => {
    const state: SessionState = {
      id: "s1a2b3c4d",
      projects: [],
      status: "busy",
      agent: "scripted-agent",
      conversation: "new",
      startedAt: "2026-11-26T09:00:00.000Z",
      turn: {
        signalId: "x",
        roomId: "!r:localhost",
        project: "acme/site",
        sender: "@alice:localhost",
        startedAt: "2026-11-26T10:05:00.000Z",
      },
      queued: 2,
      error: null,
      mode: "plan",
      model: "sonnet",
    };
    expect(statusText(state)).toBe(
      "Session `s1a2b3c4d`: busy · mode plan · model sonnet · 2 queued · answering @alice:localhost in acme/site since 10:05 UTC",
    );
  });
});
