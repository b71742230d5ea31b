import { open } from "node:fs/promises";

const TAIL_BYTES = 512 * 1024;

/** The last `lines` lines of a log file (empty when there is none yet). */
export async function tailLines(file: string, lines: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const all = buffer.toString("utf8").split("\n");
    if (start > 0) all.shift(); // most likely a partial line
    return all.filter((line) => line.length > 0).slice(-lines);
  } finally {
    await handle.close();
  }
}
