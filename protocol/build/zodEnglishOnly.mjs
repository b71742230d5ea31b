import path from "node:path";

/**
 * An esbuild plugin for bundles of code that validates with zod (the protocol's schemas):
 * zod's `z` namespace re-exports every error-message locale, about half of a bundle. Our
 * messages are English; keep only `en`. Used by the runtime's bundle and the console's.
 * Plain JavaScript, so the runtime's build script runs it with node alone.
 */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
      resolveDir: path.dirname(args.path),
    }));
  },
};
