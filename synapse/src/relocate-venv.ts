import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const MAX_SCRIPT_BYTES = 1024 * 1024;

/**
 * A virtualenv records its own absolute path in its scripts' shebangs and activate files. It is built
 * under a temporary name, so point those at the final name before the rename; the interpreter itself
 * finds its environment relative to its own location and needs nothing.
 */
export async function relocateVenv(builtAt: string, finalDir: string): Promise<void> {
  const binDir = path.join(builtAt, "bin");
  const files = (await readdir(binDir)).map((name) => path.join(binDir, name));
  files.push(path.join(builtAt, "pyvenv.cfg"));
  for (const file of files) {
    const info = await lstat(file);
    if (!info.isFile() || info.size > MAX_SCRIPT_BYTES) continue;
    const text = await readFile(file, "utf8");
    if (!text.includes(builtAt)) continue;
    await writeFile(file, text.split(builtAt).join(finalDir), { mode: info.mode });
  }
}
