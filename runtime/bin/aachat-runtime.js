#!/usr/bin/env node
// One agent's runtime (normally started by `aachat agent start`); runs its TypeScript through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/daemon/main.ts");
