import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bashCompletion, completionTree, zshCompletion } from "../src/commands/completion.ts";
import { buildProgram } from "../src/program.ts";

const TOP_LEVEL = [
  "up",
  "appservice",
  "db",
  "registration",
  "doctor",
  "login",
  "logout",
  "whoami",
  "status",
  "team",
  "stream",
  "project",
  "agent",
  "user",
  "completion",
];

/** The words the bash script offers after `aachat PATH`. */
function bashWords(script: string, path: string): string[] {
  const line = script.split("\n").find((candidate) => candidate.trim().startsWith(`"${path}") words=`));
  const words = /words="([^"]*)"/.exec(line ?? "")?.[1];
  if (words === undefined) throw new Error(`no completion for "${path}"`);
  return words.split(" ");
}

describe("shell completion", () => {
  const program = buildProgram();

  it("the bash script offers every top-level command, read from the program", () => {
    const programCommands = program.commands.map((command) => command.name());
    expect(programCommands.sort()).toEqual([...TOP_LEVEL].sort());
    expect(bashWords(bashCompletion(program), "")).toEqual(
      expect.arrayContaining([...TOP_LEVEL, "--help", "--version"]),
    );
  });

  it("the bash script offers the subcommands of agent and the options of agent start", () => {
    const script = bashCompletion(program);
    const agent = program.commands.find((command) => command.name() === "agent");
    const subcommands = agent?.commands.map((command) => command.name()) ?? [];
    expect(subcommands).toEqual(expect.arrayContaining(["create", "start", "stop", "logs", "token"]));
    expect(bashWords(script, "agent")).toEqual(expect.arrayContaining(subcommands));
    expect(bashWords(script, "agent start")).toEqual(expect.arrayContaining(["--project", "--all", "--json"]));
    expect(bashWords(script, "agent token")).toEqual(expect.arrayContaining(["rotate", "revoke"]));
    expect(script).toContain("complete -o default -F _aachat aachat");
  });

  it("the zsh script describes the same commands, each item one shell word with its description", () => {
    const script = zshCompletion(program);
    expect(script.startsWith("#compdef aachat\n")).toBe(true);
    expect(script).toContain("compdef _aachat aachat");
    // The arrays use plain single quoting, which bash reads the same way zsh does.
    const topLevel = script.split("\n").find((line) => line.trim().startsWith("('') commands=("));
    const arrays = /\) (commands=\(.*\); options=\(.*\)) ;;$/.exec(topLevel ?? "")?.[1];
    expect(arrays).toBeDefined();
    const printed = spawnSync("bash", ["-c", `${arrays ?? ""}; printf '%s\\n' "\${commands[@]}"`], {
      encoding: "utf8",
    });
    const [root] = completionTree(program);
    expect(printed.stdout.trimEnd().split("\n")).toEqual(
      root?.commands.map((command) => `${command.name}:${command.description}`),
    );
  });

  const hasZsh = spawnSync("zsh", ["-c", "true"]).status === 0;
  it.skipIf(!hasZsh)("in zsh, offers the subcommands of agent after `aachat agent`", () => {
    // compinit writes its dump into HOME: give it a throwaway one.
    const home = mkdtempSync(path.join(tmpdir(), "aachat-zsh-"));
    const probe = [
      zshCompletion(program),
      // Stand-ins for zsh's completion widgets: print what would be offered.
      '_describe() { print -rl -- "${(@P)4}"; }',
      "_files() { print files; }",
      "words=(aachat agent st); CURRENT=3; _aachat",
    ].join("\n");
    const result = spawnSync("zsh", ["-f", "-c", probe], { encoding: "utf8", env: { ...process.env, HOME: home } });
    expect(result.stderr).toBe("");
    const offered = result.stdout.split("\n").map((line) => line.split(":")[0]);
    expect(offered).toEqual(expect.arrayContaining(["start", "stop", "status", "create"]));
  });
});
