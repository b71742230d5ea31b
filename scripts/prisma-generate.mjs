// Generates the appservice's Prisma clients, one per database it can run on: SQLite (the
// embedded default) and PostgreSQL. Runs after every `npm install`.
//
// schema.prisma is the one definition of the models. Prisma ties a schema to one
// provider, so the PostgreSQL client is generated from a copy that differs only in its
// provider and output folder (written under src/generated/, which git ignores).
//
// Every Prisma CLI command first tries to download the native schema engine, which
// `generate` does not need (the client is Rust-free) and which cannot be fetched on
// offline machines. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips
// that download. A user with their own engine keeps theirs.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const appservice = fileURLToPath(new URL("../appservice", import.meta.url));
const prisma = fileURLToPath(new URL("../node_modules/prisma/build/index.js", import.meta.url));
const schema = readFileSync(`${appservice}/prisma/schema.prisma`, "utf8");

const postgresDir = `${appservice}/src/generated/postgresql`;
mkdirSync(postgresDir, { recursive: true });
const postgresSchema = schema
  .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
  .replace(/output\s*=\s*"\.\.\/src\/generated\/prisma"/, 'output       = "../prisma-postgresql"');
if (postgresSchema === schema || !postgresSchema.includes("../prisma-postgresql")) {
  process.stderr.write("error: schema.prisma no longer has the provider and output lines this script rewrites\n");
  process.exit(1);
}
writeFileSync(
  `${postgresDir}/schema.prisma`,
  `// Generated from prisma/schema.prisma by scripts/prisma-generate.mjs: edit that file.\n${postgresSchema}`,
);

for (const schemaPath of ["prisma/schema.prisma", "src/generated/postgresql/schema.prisma"]) {
  const result = spawnSync(process.execPath, [prisma, "generate", "--schema", schemaPath], {
    cwd: appservice,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
