import { homedir } from "node:os";
import path from "node:path";

/** Where every agent's runtime keeps its state on this machine: one folder per agent. */
export function runtimesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AACHAT_RUNTIME_DIR) return path.resolve(env.AACHAT_RUNTIME_DIR);
  const stateHome = env.XDG_STATE_HOME ?? path.join(homedir(), ".local", "state");
  return path.join(stateHome, "aachat", "runtimes");
}

/** The files of one agent's runtime. The folder is the owner's alone (0700); the token file is 0600. */
export function runtimePaths(agentName: string, env: NodeJS.ProcessEnv = process.env) {
  const dir = path.join(runtimesDir(env), agentName);
  return {
    dir,
    /** runtime.json: where the appservice and the agent's repository are, and the runtime's settings. */
    config: path.join(dir, "runtime.json"),
    /** The agent's runtime token, and nothing else. */
    token: path.join(dir, "runtime-token"),
    /** The sessions to run, with their coverage and conversations: what a restart brings back. */
    sessions: path.join(dir, "sessions.json"),
    /** The runtime's log (JSON lines). */
    log: path.join(dir, "runtime.log"),
    /** The control socket: held while the runtime runs (its lock), and how the CLI and chat tools reach it. */
    socket: path.join(dir, "runtime.sock"),
    /** The owner's open question about the daily cost limit: an answer may come after a restart. */
    budgetQuestion: path.join(dir, "budget-question.json"),
    /** Why the runtime last stopped on its own (displaced, token refused), for `aachat agent status`. */
    lastStop: path.join(dir, "last-stop.json"),
  };
}

export type RuntimePaths = ReturnType<typeof runtimePaths>;
