/**
 * What a message says once the mention of the agent it starts with is taken off
 * ("Reviewer: stop" → "stop"), lower-cased and without trailing punctuation.
 */
export function addressedText(body: string, agentNames: readonly string[]): string {
  let text = body.trim().toLowerCase();
  // Longest first: the name "reviewer" must not eat the start of "@reviewer:example.org".
  for (const name of [...agentNames].sort((a, b) => b.length - a.length)) {
    const lower = name.toLowerCase();
    for (const prefix of [`@${lower}`, lower]) {
      if (text.startsWith(prefix)) text = text.slice(prefix.length).replace(/^[\s:,]+/, "");
    }
  }
  return text.replace(/[.!\s]+$/, "");
}

const STOP_WORDS = new Set(["stop", "cancel", "abort", "halt", "stop it"]);

/** Whether the message is a `stop` command to the agent. */
export function isStopCommand(body: string, agentNames: readonly string[]): boolean {
  return STOP_WORDS.has(addressedText(body, agentNames));
}

/** The reactions that stop a running turn, on its question or its answer. */
export const STOP_REACTIONS = new Set(["🛑", "⏹️", "⏹", "✋"]);
