import path from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's top folder. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** Where the runtime's builds go, one folder each. */
export const DIST = path.join(REPO, "runtime", "dist");
/** What a build is made of, relative to REPO: the runtime's own sources, how it is built, and the workspace packages it uses. */
export const SOURCES = [
  "runtime/src",
  "runtime/build",
  "protocol/src",
  "protocol/build",
  "agent-repo/src",
  "runtime/package.json",
  "package-lock.json",
];
