// Generates the appservice's Prisma client. Runs after every `npm install`.
//
// Every Prisma CLI command first tries to download the native schema engine, which
// `generate` does not need (the client is Rust-free) and which cannot be fetched on
// offline machines. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips
// that download. A user with their own engine keeps theirs.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const appservice = fileURLToPath(new URL("../appservice", import.meta.url));
const prisma = fileURLToPath(new URL("../node_modules/prisma/build/index.js", import.meta.url));
const result = spawnSync(process.execPath, [prisma, "generate"], {
  cwd: appservice,
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
