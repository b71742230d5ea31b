// Builds ONE installable npm package of aachat into build/pack/aachat-VERSION.tgz:
//   npm run pack && npm install -g build/pack/aachat-*.tgz && aachat up
// The CLI (with the appservice it runs), the runtime and its chat tools server are bundled
// with esbuild, the console's browser script is prebuilt, and the Prisma clients generated
// at install time are bundled with them, so nothing is compiled when the package runs. Only
// what cannot be bundled stays a dependency (see EXTERNAL), at the version in package-lock.json.
import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { tsImport } from "tsx/esm/api";
import { cliBundleOptions, EXTERNAL } from "../cli/build/bundle.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STAGING = path.join(ROOT, "build", "pack-staging");
const OUT = path.join(ROOT, "build", "pack");

/** Entry points, named as the package's programs (see installLayout.ts for the names). */
const ENTRIES = {
  aachat: "cli/src/main.ts",
  "aachat-runtime": "runtime/src/daemon/main.ts",
  "aachat-chat-tools": "runtime/src/mcp/chatToolsMain.ts",
};

async function main() {
  const started = Date.now();
  const rootManifest = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8"));
  await rm(STAGING, { recursive: true, force: true });
  await mkdir(path.join(STAGING, "dist", "console"), { recursive: true });

  await bundlePrograms();
  await writeFile(path.join(STAGING, "dist", "console", "main.js"), await consoleScript());
  await cp(path.join(ROOT, "appservice", "prisma", "migrations"), path.join(STAGING, "prisma", "migrations"), {
    recursive: true,
  });
  await cp(
    path.join(ROOT, "appservice", "prisma", "migrations-postgresql"),
    path.join(STAGING, "prisma", "migrations-postgresql"),
    { recursive: true },
  );
  for (const file of ["LICENSE", "registration.yaml"]) await cp(path.join(ROOT, file), path.join(STAGING, file));
  await cp(path.join(ROOT, "scripts", "pack-readme.md"), path.join(STAGING, "README.md"));
  await writeFile(path.join(STAGING, "package.json"), `${JSON.stringify(manifest(rootManifest, lock), null, 2)}\n`);

  await mkdir(OUT, { recursive: true });
  const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", OUT], {
    cwd: STAGING,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (packed.status !== 0) throw new Error(`npm pack failed (exit ${packed.status})`);
  const [{ filename, size, unpackedSize }] = JSON.parse(packed.stdout);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  process.stdout.write(
    `${path.join(OUT, filename)}  (${mb(size)} MB packed, ${mb(unpackedSize)} MB unpacked, ${seconds} s)\n`,
  );
}

async function bundlePrograms() {
  const dist = path.join(STAGING, "dist");
  const entryPoints = Object.fromEntries(
    Object.entries(ENTRIES).map(([name, entry]) => [name, path.join(ROOT, entry)]),
  );
  await build(cliBundleOptions(entryPoints, dist, { shebang: true }));
}

/** The console's script exactly as a checkout serves it (bundleConsole.ts makes it). */
async function consoleScript() {
  const { consoleBundle } = await tsImport("../admin-ui/src/server/bundleConsole.ts", import.meta.url);
  return consoleBundle();
}

function manifest(rootManifest, lock) {
  const dependencies = Object.fromEntries(
    EXTERNAL.map((name) => {
      const version = lock.packages[`node_modules/${name}`]?.version;
      if (!version) throw new Error(`${name} is not in package-lock.json`);
      return [name, version];
    }),
  );
  return {
    name: "aachat",
    version: rootManifest.version,
    description: rootManifest.description,
    license: rootManifest.license,
    type: "module",
    engines: rootManifest.engines,
    bin: Object.fromEntries(Object.keys(ENTRIES).map((name) => [name, `dist/${name}.mjs`])),
    dependencies,
  };
}

await main();
