// Bundles the runtime and its chat tools server into plain JavaScript (runtime/dist/), so
// they run without compiling TypeScript on the fly: a runtime runs for days beside its
// agent, and the compiler would cost it a third of its memory. Used by bin/*.js, which
// rebuild when the sources changed; `node runtime/build/bundle.mjs` does it by hand.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { asciiOutput } from "@aachat/protocol/esbuild/asciiOutput";
import { zodEnglishOnly } from "@aachat/protocol/esbuild/zodEnglishOnly";
import { build } from "esbuild";
import { sourceFingerprint } from "./fingerprint.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const DIST = path.join(root, "dist");
export const FINGERPRINT_FILE = path.join(DIST, "fingerprint");

/** Builds into a temporary folder and swaps it in, so a runtime starting meanwhile never sees half a build. */
export async function bundleRuntime() {
  const fingerprint = await sourceFingerprint();
  const staging = `${DIST}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await build({
    entryPoints: {
      runtime: path.join(root, "src/daemon/main.ts"),
      "chat-tools": path.join(root, "src/mcp/chatToolsMain.ts"),
    },
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Optional native speed-ups of ws, loaded only if present.
    external: ["bufferutil", "utf-8-validate"],
    // CommonJS dependencies call require() and read __filename (write-file-atomic salts its
    // temporary names with it); give the ES module both.
    banner: {
      js: 'import { createRequire as __aachatRequire } from "node:module"; const require = __aachatRequire(import.meta.url); const __aachatFilename = import.meta.filename; const __aachatDirname = import.meta.dirname;',
    },
    define: { __filename: "__aachatFilename", __dirname: "__aachatDirname" },
    plugins: [zodEnglishOnly, asciiOutput],
    legalComments: "none",
    logLevel: "warning",
  });
  await mkdir(staging, { recursive: true });
  await writeFile(path.join(staging, "fingerprint"), fingerprint);
  const old = `${DIST}.${process.pid}.old`;
  await rename(DIST, old).catch(() => undefined);
  await rename(staging, DIST);
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleRuntime();
