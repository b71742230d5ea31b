import { homedir } from "node:os";
import path from "node:path";
import { installLayout } from "@aachat/protocol/installLayout";

/**
 * The embedded stack's default data directory: `data/` at the top of a checkout; for an
 * installed package, `$XDG_DATA_HOME/aachat` (~/.local/share/aachat), beside the agents.
 */
export function defaultDataDir(): string {
  const { kind, root } = installLayout();
  if (kind === "checkout") return path.join(root, "data");
  const dataHome = process.env.XDG_DATA_HOME || path.join(homedir(), ".local", "share");
  return path.join(dataHome, "aachat");
}
/** Where each piece of the embedded stack keeps its state inside the data directory. */
export function stackPaths(dataDir: string) {
  const root = path.resolve(dataDir);
  return {
    root,
    config: path.join(root, "aachat.yaml"),
    // Names the `aachat up` that holds the directory (see lock.ts).
    lock: path.join(root, "aachat.lock"),
    // The URLs of the running stack, for `aachat login` (see localStack.ts).
    running: path.join(root, "running.json"),
    registration: path.join(root, "registration.yaml"),
    synapseDir: path.join(root, "synapse"),
    adminCredentials: path.join(root, "admin-credentials.json"),
  };
}

export type StackPaths = ReturnType<typeof stackPaths>;

export function resolveDataDir(option: string | undefined): string {
  return path.resolve(option ?? process.env.AACHAT_DATA_DIR ?? defaultDataDir());
}
