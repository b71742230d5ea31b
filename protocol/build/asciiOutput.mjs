import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * An esbuild plugin that leaves every output file pure ASCII. V8 keeps the source text of
 * each script it loads for as long as the script lives, one byte per character when all
 * are ASCII and two otherwise. esbuild escapes non-ASCII characters in code (its default
 * charset) but keeps comments as written, and the comments it keeps inside expressions
 * (iconv-lite's tables, for one) held the installed CLI's largest chunk at 16.6 MiB of heap
 * instead of 8.3. What is left after esbuild is in comments, where an escape reads the
 * same; `\uXXXX` per UTF-16 unit would mean the same character in a string, a template or
 * a regular expression too. Used by the runtime's bundle and the installed package's.
 */
const NON_ASCII = /[\u0080-\uffff]/;
/** Without the u flag: one match per UTF-16 unit, so a character outside the BMP becomes its surrogate pair. */
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

export const asciiOutput = {
  name: "ascii-output",
  setup(bundler) {
    bundler.initialOptions.metafile = true;
    bundler.onEnd(async (result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const cwd = bundler.initialOptions.absWorkingDir ?? process.cwd();
      for (const output of Object.keys(result.metafile.outputs)) {
        if (!/\.[cm]?js$/.test(output)) continue;
        const file = path.resolve(cwd, output);
        const text = await readFile(file, "utf8");
        // A line or paragraph separator ends a // comment: escaping it would change the code.
        if (/[\u2028\u2029]/.test(text)) throw new Error(`${file} has a raw U+2028 or U+2029`);
        if (!NON_ASCII.test(text)) continue;
        await writeFile(
          file,
          text.replace(NON_ASCII_ALL, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`),
        );
      }
    });
  },
};
