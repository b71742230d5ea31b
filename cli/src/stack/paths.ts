import path from "node:path";
import { fileURLToPath } from "node:url";

/** The embedded stack's default data directory: `data/` at the top of the checkout. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../data", import.meta.url));

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
  return path.resolve(option ?? process.env.AACHAT_DATA_DIR ?? DEFAULT_DATA_DIR);
}
