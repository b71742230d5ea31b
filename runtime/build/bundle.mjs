// Bundles the runtime and its chat tools server into plain JavaScript, so they run without
// compiling TypeScript on the fly: a runtime runs for days beside its agent, and the
// compiler would cost it a third of its memory. bin/*.js run this when the sources changed;
// `node runtime/build/bundle.mjs` makes the current build by hand.
import path from "node:path";
import { asciiOutput } from "@aachat/protocol/esbuild/asciiOutput";
import { makeBuild, nodeBundleOptions, sourceFingerprint } from "@aachat/protocol/esbuild/bundledProgram";
import { zodEnglishOnly } from "@aachat/protocol/esbuild/zodEnglishOnly";
import { build } from "esbuild";
import { DIST, REPO, SOURCES } from "./sources.mjs";

async function bundleRuntime(outdir) {
  const src = path.join(REPO, "runtime", "src");
  await build({
    ...nodeBundleOptions(),
    entryPoints: {
      runtime: path.join(src, "daemon/main.ts"),
      "chat-tools": path.join(src, "mcp/chatToolsMain.ts"),
    },
    outdir,
    // Optional native speed-ups of ws, loaded only if present.
    external: ["bufferutil", "utf-8-validate"],
    plugins: [zodEnglishOnly, asciiOutput],
  });
}

const target = process.argv[2] ?? path.join(DIST, await sourceFingerprint(REPO, SOURCES));
await makeBuild(path.resolve(target), bundleRuntime);
process.stdout.write(`${target}\n`);
