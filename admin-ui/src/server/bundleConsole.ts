import { readFile } from "node:fs/promises";
import { aachatFile } from "@aachat/protocol/installLayout";

let cached: Promise<string> | undefined;

/**
 * The console's script: prebuilt in an installed package (scripts/pack.mjs writes what this
 * returns in a checkout), else bundled on the first call;
 * kept for the life of the process; a failure is retried next time.
 */
export function consoleBundle(): Promise<string> {
  const prebuilt = aachatFile("consoleScript");
  cached ??= (prebuilt ? readFile(prebuilt, "utf8") : bundleConsole()).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Bundles the console (Lit components, the API client and its schemas) into one minified ES module. */
async function bundleConsole(): Promise<string> {
  // Loaded only here, so an installed package (which has the script prebuilt) needs no esbuild.
  const [{ build }, { zodEnglishOnly }] = await Promise.all([
    import("esbuild"),
    import("@aachat/protocol/esbuild/zodEnglishOnly"),
  ]);
  const entryPoint = aachatFile("consoleSource");
  if (!entryPoint) throw new Error("this install has neither the console's script nor its sources");
  const result = await build({
    entryPoints: [entryPoint],
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
