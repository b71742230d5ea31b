import { randomBytes } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";

/** Synapse may read these files at any moment (a concurrent start), so never expose a half-written one. */
export async function writeFileAtomic(filePath: string, content: string, mode = 0o644): Promise<void> {
  const tmp = `${filePath}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, filePath);
}
