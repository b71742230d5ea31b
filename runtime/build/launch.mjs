import path from "node:path";
import v8 from "node:v8";
import { runBundled } from "@aachat/protocol/esbuild/bundledProgram";
import { DIST, REPO, SOURCES } from "./sources.mjs";

/** Runs a runtime program from its bundle in runtime/dist (see runBundled). */
export async function launch(bundleName, sourceEntry) {
  // Both programs idle for hours beside an agent. Without this, the fingerprint's walk over
  // the sources runs hot enough for V8's optimising compiler, which then maps 3 MiB of its
  // own code and keeps its output and memory for the life of the process: 6 MiB of RSS.
  // The runtime sets the same flags again, with more, for when it runs without this launcher.
  v8.setFlagsFromString("--no-opt --no-maglev --no-sparkplug");
  return runBundled({
    name: "the runtime",
    root: REPO,
    sources: SOURCES,
    dist: DIST,
    bundler: path.join(REPO, "runtime", "build", "bundle.mjs"),
    entry: bundleName,
    sourceEntry: path.join(REPO, "runtime", sourceEntry),
  });
}
