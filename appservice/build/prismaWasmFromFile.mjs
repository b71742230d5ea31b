import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * An esbuild plugin for bundles of the appservice. Prisma's query compiler is WebAssembly
 * shipped as a base64 string in a 4.4 MB module, and V8 keeps a module's source and its
 * exported string for the life of the process: 8.6 MiB of heap for something read once,
 * when the database opens. The bundle gets the bytes as a .wasm file in `outdir`/prisma/
 * instead, and the module exports an object that reads the file when converted to a
 * string: the generated client decodes it once with Buffer.from(wasm, "base64"), which
 * converts it, and keeps only the compiled module. The client imports that module on
 * demand, so with `splitting` and chunkNames under chunks/ it is a chunk of its own there.
 */
export function prismaWasmFromFile(outdir) {
  return {
    name: "prisma-wasm-from-file",
    setup(bundler) {
      bundler.onLoad({ filter: /[\\/]query_compiler_\w+\.\w+\.wasm-base64\.mjs$/ }, async (args) => {
        const name = path.basename(args.path).replace(/\.wasm-base64\.mjs$/, ".wasm");
        const { wasm } = await import(pathToFileURL(args.path).href);
        await mkdir(path.join(outdir, "prisma"), { recursive: true });
        await writeFile(path.join(outdir, "prisma", name), Buffer.from(wasm, "base64"));
        const file = JSON.stringify(`../prisma/${name}`);
        return {
          contents: `import { readFileSync } from "node:fs";\nexport const wasm = {\n  [Symbol.toPrimitive]: () => readFileSync(new URL(${file}, import.meta.url)).toString("base64"),\n};\n`,
          loader: "js",
        };
      });
    },
  };
}
