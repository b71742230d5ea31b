// Builds ONE installable npm package of aachat into build/pack/aachat-VERSION.tgz:
//   npm run pack && npm install -g build/pack/aachat-*.tgz && aachat up
// The CLI (with the appservice it runs), the runtime and its chat tools server are bundled
// with esbuild, the console's browser script is prebuilt, and the Prisma clients generated
// at install time are bundled with them, so nothing is compiled when the package runs. Only
// what cannot be bundled stays a dependency (see EXTERNAL), at the version in package-lock.json.
import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { tsImport } from "tsx/esm/api";
import { asciiOutput } from "@aachat/protocol/esbuild/asciiOutput";
import { zodEnglishOnly } from "@aachat/protocol/esbuild/zodEnglishOnly";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STAGING = path.join(ROOT, "build", "pack-staging");
const OUT = path.join(ROOT, "build", "pack");

/**
 * The installed package's dependencies: a native addon, a program the runtime starts as a
 * process (found with require.resolve), and pino with its pretty printer (pino runs
 * transports in a worker thread that loads them by file name).
 */
const EXTERNAL = ["better-sqlite3", "@agentclientprotocol/claude-agent-acp", "pino", "pino-pretty"];
/** Never installed with the package: loaded only in a checkout, or optional speed-ups. */
const NEVER_LOADED = ["esbuild", "tsx", "prisma", "bufferutil", "utf-8-validate", "pg-native"];

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
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, entry]) => [name, path.join(ROOT, entry)])),
    outdir: path.join(STAGING, "dist"),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    // The CLI loads each command's code when it runs: shared chunks keep `aachat --help` quick.
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: [...EXTERNAL, ...NEVER_LOADED],
    // CommonJS dependencies call require() and read __filename; give the ES modules both.
    banner: {
      js: '#!/usr/bin/env node\nimport { createRequire as __aachatRequire } from "node:module"; const require = __aachatRequire(import.meta.url); const __aachatFilename = import.meta.filename; const __aachatDirname = import.meta.dirname;',
    },
    define: { __filename: "__aachatFilename", __dirname: "__aachatDirname" },
    plugins: [zodEnglishOnly, asciiOutput, prismaWasmFromFile],
    legalComments: "none",
    logLevel: "warning",
  });
}

/**
 * Prisma's query compiler is WebAssembly shipped as a base64 string in a 4.4 MB module. V8
 * keeps a module's source and its exported string for the life of the process: 8.6 MiB of
 * heap for something read once, when the database opens. The package ships the bytes as a
 * .wasm file instead (dist/prisma/), and the module exports an object that reads the file
 * when converted to a string: the generated client decodes it once with Buffer.from(wasm,
 * "base64"), which converts it, and keeps only the compiled module.
 */
const prismaWasmFromFile = {
  name: "prisma-wasm-from-file",
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]query_compiler_\w+\.\w+\.wasm-base64\.mjs$/ }, async (args) => {
      const name = path.basename(args.path).replace(/\.wasm-base64\.mjs$/, ".wasm");
      const { wasm } = await import(pathToFileURL(args.path).href);
      await mkdir(path.join(STAGING, "dist", "prisma"), { recursive: true });
      await writeFile(path.join(STAGING, "dist", "prisma", name), Buffer.from(wasm, "base64"));
      // The client imports it on demand, so it is a chunk of its own in dist/chunks/.
      const file = JSON.stringify(`../prisma/${name}`);
      return {
        contents: `import { readFileSync } from "node:fs";\nexport const wasm = {\n  [Symbol.toPrimitive]: () => readFileSync(new URL(${file}, import.meta.url)).toString("base64"),\n};\n`,
        loader: "js",
      };
    });
  },
};

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
