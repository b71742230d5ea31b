import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// This module sits one folder below the package, in src/ or, bundled, in dist/.
/** The runtime package's folder. */
export const RUNTIME_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The runtime's version, from its package.json: reported to the appservice and shown in the console. */
export const RUNTIME_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
