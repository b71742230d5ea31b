// Running a program of ours from an esbuild bundle in a checkout, rebuilt when its sources
// change. Compiling TypeScript on the fly (tsx) costs a long-lived process about 35 MiB and
// compiles each file on its own; the bundle is what the installed package runs too.
//
// Each build goes to a folder named after the sources' fingerprint (dist/<fingerprint>/), made
// in a temporary folder and renamed into place whole: processes starting at once never see
// half a build, two that build at once both end with the same one, and a program still
// running from an earlier build keeps its files until two newer builds exist.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Builds kept besides the current one, for programs still running from them. */
const EARLIER_BUILDS_KEPT = 2;

/**
 * What every Node bundle of ours needs from esbuild besides its entries: an ES module for
 * Node 20 whose CommonJS dependencies can still call require() and read __filename and
 * __dirname (write-file-atomic salts its temporary names with __filename).
 */
export function nodeBundleOptions({ shebang = false } = {}) {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    banner: {
      js: `${shebang ? "#!/usr/bin/env node\n" : ""}import { createRequire as __aachatRequire } from "node:module"; const require = __aachatRequire(import.meta.url); const __aachatFilename = import.meta.filename; const __aachatDirname = import.meta.dirname;`,
    },
    define: { __filename: "__aachatFilename", __dirname: "__aachatDirname" },
    legalComments: "none",
    logLevel: "warning",
  };
}

/** A digest of the files' names, sizes and modification times under `sources` (relative to `root`): cheap enough for every start. */
export async function sourceFingerprint(root, sources) {
  const digest = createHash("sha256");
  for (const source of sources) {
    for (const file of await filesUnder(path.join(root, source))) {
      const info = await stat(file);
      digest.update(`${path.relative(root, file)}\0${info.size}\0${info.mtimeMs}\n`);
    }
  }
  return digest.digest("hex").slice(0, 16);
}

/**
 * Runs `entry` of the current build in `dist`, first making the build (by running
 * `bundler` with the build's folder as its argument, in a process of its own so that
 * esbuild's memory is not kept) when the sources changed. When bundling fails, or with
 * AACHAT_FROM_SOURCE=1, runs `sourceEntry` through tsx instead, saying so on stderr (never
 * stdout: the chat tools server speaks MCP there).
 */
export async function runBundled({ name, root, sources, dist, bundler, entry, sourceEntry }) {
  if (process.env.AACHAT_FROM_SOURCE !== "1") {
    const build = path.join(dist, await sourceFingerprint(root, sources));
    let ready = await exists(path.join(build, entry));
    if (!ready) {
      const made = spawnSync(process.execPath, [bundler, build], {
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
      });
      ready = made.status === 0;
      if (!ready)
        process.stderr.write(`aachat: could not bundle ${name}; running its sources instead:\n${made.stderr}\n`);
    }
    if (ready) return import(pathToFileURL(path.join(build, entry)).href);
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(sourceEntry).href);
}

/**
 * Makes a build: `write(folder)` writes it into a temporary folder beside `build`, which
 * is then renamed to `build`. If another process renamed its own first, that one is kept.
 * Builds older than the last few are removed.
 */
export async function makeBuild(build, write) {
  const staging = `${build}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await write(staging);
  try {
    await rename(staging, build);
  } catch (error) {
    if (!(await exists(build))) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  await removeOldBuilds(path.dirname(build), path.basename(build));
}

async function removeOldBuilds(dist, current) {
  const builds = [];
  for (const entry of await readdir(dist, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current || entry.name.endsWith(".tmp")) continue;
    builds.push({ name: entry.name, mtimeMs: (await stat(path.join(dist, entry.name))).mtimeMs });
  }
  builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of builds.slice(EARLIER_BUILDS_KEPT)) {
    await rm(path.join(dist, name), { recursive: true, force: true });
  }
}

async function exists(file) {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function filesUnder(target) {
  const info = await stat(target).catch(() => null);
  if (!info) return [];
  if (!info.isDirectory()) return [target];
  const files = [];
  for (const entry of await readdir(target, { withFileTypes: true })) {
    files.push(...(await filesUnder(path.join(target, entry.name))));
  }
  return files.sort();
}
