import { open, stat } from "node:fs/promises";

const MAX_TAIL_BYTES = 64 * 1024;

/** Size of a file now, so a later tail shows only what was written since (logs are appended across runs). */
export async function fileSize(filePath: string): Promise<number> {
  try {
    return (await stat(filePath)).size;
  } catch {
    return 0;
  }
}

/** The last `lines` lines written to `filePath` after byte `fromOffset`; "" if none. */
export async function tailLines(filePath: string, lines: number, fromOffset = 0): Promise<string> {
  let handle;
  try {
    handle = await open(filePath, "r");
  } catch {
    return "";
  }
  try {
    const size = (await handle.stat()).size;
    // A rotated (smaller) file means everything in it is new.
    const from = size < fromOffset ? 0 : fromOffset;
    const start = Math.max(from, size - MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8").replace(/\s+$/, "");
    if (!text) return "";
    return text.split("\n").slice(-lines).join("\n");
  } finally {
    await handle.close();
  }
}
