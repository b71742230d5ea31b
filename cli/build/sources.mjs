import path from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's top folder. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** Where the CLI's builds go, one folder each. */
export const DIST = path.join(REPO, "cli", "dist");

const WORKSPACES = ["synapse", "protocol", "api", "appservice", "agent-repo", "runtime", "admin-ui", "cli"];
/**
 * What a build is made of, relative to REPO: the CLI bundles the appservice and nearly
 * every other package (Prisma's generated clients sit in appservice/src/generated/).
 */
export const SOURCES = [
  ...WORKSPACES.flatMap((workspace) => [`${workspace}/src`, `${workspace}/build`, `${workspace}/package.json`]),
  "package-lock.json",
];
