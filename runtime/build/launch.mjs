import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import v8 from "node:v8";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sourceFingerprint } from "./fingerprint.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const BUNDLER = path.join(root, "build", "bundle.mjs");

/**
 * Runs a runtime program from its bundle in runtime/dist, rebuilding the bundle first (in
 * a separate process) when the sources changed since it was made. When bundling fails it
 * runs the TypeScript sources through tsx instead, and says so on stderr (never stdout:
 * the chat tools server speaks MCP there). AACHAT_RUNTIME_FROM_SOURCE=1 skips the bundle.
 */
export async function launch(bundleName, sourceEntry) {
  // Both programs idle for hours beside an agent. Without this, the fingerprint's walk over
  // the sources runs hot enough for V8's optimising compiler, which then maps 3 MiB of its
  // own code and keeps its output and memory for the life of the process: 6 MiB of RSS.
  // The runtime sets the same flags again, with more, for when it runs without this launcher.
  v8.setFlagsFromString("--no-opt --no-maglev --no-sparkplug");
  if (process.env.AACHAT_RUNTIME_FROM_SOURCE !== "1") {
    const have = await readFile(path.join(root, "dist", "fingerprint"), "utf8").catch(() => "");
    let ready = have === (await sourceFingerprint());
    if (!ready) {
      const built = spawnSync(process.execPath, [BUNDLER], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
      ready = built.status === 0;
      if (!ready)
        process.stderr.write(`aachat: could not bundle the runtime; running its sources instead:\n${built.stderr}\n`);
    }
    if (ready) return import(pathToFileURL(path.join(root, "dist", bundleName)).href);
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(path.join(root, sourceEntry)).href);
}
