// How the CLI (with the appservice it runs) is bundled: in a checkout by bin/aachat.js when
// the sources changed (`node cli/build/bundle.mjs` makes the current build by hand), and in
// the installed package by scripts/pack.mjs, with the runtime beside it.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prismaWasmFromFile } from "@aachat/appservice/esbuild/prismaWasmFromFile";
import { asciiOutput } from "@aachat/protocol/esbuild/asciiOutput";
import { makeBuild, nodeBundleOptions, sourceFingerprint } from "@aachat/protocol/esbuild/bundledProgram";
import { zodEnglishOnly } from "@aachat/protocol/esbuild/zodEnglishOnly";
import { build } from "esbuild";
import { DIST, REPO, SOURCES } from "./sources.mjs";

/**
 * Left out of the bundle: a native addon, a program the runtime starts as a process (found
 * with require.resolve), and pino with its pretty printer (pino runs transports in a worker
 * thread that loads them by file name). The installed package depends on these.
 */
export const EXTERNAL = ["better-sqlite3", "@agentclientprotocol/claude-agent-acp", "pino", "pino-pretty"];
/** Never installed with the package: loaded only in a checkout, or optional speed-ups. */
const NEVER_LOADED = ["esbuild", "tsx", "prisma", "bufferutil", "utf-8-validate", "pg-native"];

/** esbuild's options for a bundle of `entryPoints` (name → source) into `outdir`. */
export function cliBundleOptions(entryPoints, outdir, { shebang = false } = {}) {
  return {
    ...nodeBundleOptions({ shebang }),
    entryPoints,
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    // The CLI loads each command's code when it runs: shared chunks keep `aachat --help` quick.
    splitting: true,
    external: [...EXTERNAL, ...NEVER_LOADED],
    plugins: [zodEnglishOnly, asciiOutput, prismaWasmFromFile(outdir)],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = path.resolve(process.argv[2] ?? path.join(DIST, await sourceFingerprint(REPO, SOURCES)));
  await makeBuild(target, (outdir) =>
    build(cliBundleOptions({ aachat: path.join(REPO, "cli", "src", "main.ts") }, outdir)).then(() => undefined),
  );
  process.stdout.write(`${target}\n`);
}
