import { fileURLToPath } from "node:url";

/** The scripted ACP agent (a real process on stdio) that stands in for Claude Code in fast tests and benchmarks. */
export const SCRIPTED_AGENT = fileURLToPath(new URL("./scripted-agent/main.ts", import.meta.url));

/** Its command line. Its cwd is a session's workspace, outside this checkout: tsx is named by its full URL. */
export const scriptedAgentCommand = (): string[] => [
  process.execPath,
  "--import",
  import.meta.resolve("tsx"),
  SCRIPTED_AGENT,
];
