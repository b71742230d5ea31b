import { homedir } from "node:os";
import path from "node:path";

/** Where an owner's agent repositories live: one folder per agent. */
export function agentsDir(): string {
  if (process.env.AACHAT_AGENTS_DIR) return path.resolve(process.env.AACHAT_AGENTS_DIR);
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(homedir(), ".local", "share");
  return path.join(dataHome, "aachat", "agents");
}
