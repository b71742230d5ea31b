import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
/** The sources a runtime bundle is made of (its own, how it is built, and the workspace packages it uses). */
const SOURCES = [
  "runtime/src",
  "runtime/build",
  "protocol/src",
  "protocol/build",
  "agent-repo/src",
  "runtime/package.json",
  "package-lock.json",
];

/** A digest of the sources' names, sizes and modification times: cheap to take at every start. */
export async function sourceFingerprint() {
  const digest = createHash("sha256");
  for (const source of SOURCES) {
    for (const file of await filesUnder(path.join(repo, source))) {
      const info = await stat(file);
      digest.update(`${path.relative(repo, file)}\0${info.size}\0${info.mtimeMs}\n`);
    }
  }
  return digest.digest("hex");
}

async function filesUnder(target) {
  const info = await stat(target).catch(() => null);
  if (!info) return [];
  if (!info.isDirectory()) return [target];
  const files = [];
  for (const entry of await readdir(target, { withFileTypes: true })) {
    files.push(...(await filesUnder(path.join(target, entry.name))));
  }
  return files.sort();
}
