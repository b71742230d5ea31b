#!/usr/bin/env node
// One agent's runtime (normally started by `aachat agent start`), run from its bundle.
import { launch } from "../build/launch.mjs";

await launch("runtime.mjs", "src/daemon/main.ts");
