import { readFile, realpath, stat } from "node:fs/promises";
import { basename, extname, isAbsolute, relative, resolve } from "node:path";

/** A file of the workspace, read to be posted. */
export interface WorkspaceFile {
  name: string;
  mimetype: string;
  bytes: Buffer;
}

const MIME_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".log": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".html": "text/html",
  ".diff": "text/x-diff",
  ".patch": "text/x-diff",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tar": "application/x-tar",
};

/**
 * Reads `path` (relative to the workspace, or absolute) for posting, only if it is a file
 * inside the workspace once every symlink on the way is followed, and not over `maxBytes`.
 * Throws a message fit for the agent otherwise, before reading anything.
 */
export async function readWorkspaceFile(workspace: string, path: string, maxBytes: number): Promise<WorkspaceFile> {
  const outside = new Error(`${path} is outside your workspace (${workspace}); only files in it can be posted`);
  const root = await realpath(workspace);
  const inside = (base: string, target: string) => {
    const rel = relative(base, target);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
  };
  const asked = resolve(workspace, path);
  if (!inside(workspace, asked) && !inside(root, asked)) throw outside;
  let real: string;
  try {
    real = await realpath(asked);
  } catch {
    throw new Error(`there is no file ${path} in your workspace`);
  }
  if (!inside(root, real)) throw outside;
  const info = await stat(real);
  if (!info.isFile()) throw new Error(`${path} is not a file`);
  const tooLarge = (size: number) =>
    new Error(`${path} has ${size} bytes; the largest file you can post has ${maxBytes} bytes`);
  if (info.size > maxBytes) throw tooLarge(info.size);
  const bytes = await readFile(real);
  if (bytes.length > maxBytes) throw tooLarge(bytes.length);
  const name = basename(asked);
  return { name, mimetype: MIME_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream", bytes };
}
