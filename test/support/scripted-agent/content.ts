/** What the scripted agent's edit and command tool calls show: generated, but shaped like claude-agent-acp's. */

/** A file of `lines + 6` lines and its new text, in which `lines` lines after the third changed. */
export function scriptedEdit(lines: number): { oldText: string; newText: string } {
  const before = Array.from({ length: lines + 6 }, (_, i) => `line ${i + 1}: the original text`);
  const after = before.map((line, i) =>
    i >= 3 && i < 3 + lines ? `line ${i + 1}: the text as the agent changed it` : line,
  );
  return { oldText: `${before.join("\n")}\n`, newText: `${after.join("\n")}\n` };
}

/** A command's output of `lines` lines, wrapped as claude-agent-acp sends it to a client without terminals. */
export function scriptedOutput(lines: number): string {
  const output = Array.from({ length: lines }, (_, i) => `output line ${i + 1} of ${lines}`).join("\n");
  return "```console\n" + output + "\n```";
}
