import { fileURLToPath } from "node:url";
import { zodEnglishOnly } from "@aachat/protocol/esbuild/zodEnglishOnly";
import { build } from "esbuild";

const ENTRY_POINT = fileURLToPath(new URL("../app/main.ts", import.meta.url));

let cached: Promise<string> | undefined;

/** The console's script, bundled on the first call and kept for the life of the process; a failure is retried next time. */
export function consoleBundle(): Promise<string> {
  cached ??= bundleConsole().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Bundles the console (Lit components, the API client and its schemas) into one minified ES module. */
async function bundleConsole(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY_POINT],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    legalComments: "none",
    logLevel: "silent",
    plugins: [zodEnglishOnly],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no output for the console");
  return output.text;
}
