import { appendFile, mkdir, open, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { runGit } from "@aachat/agent-repo";

/** Where files people send the agent are saved, relative to the session's workspace. */
export const INBOX_DIR = ".aachat/inbox";
const EXCLUDE_LINE = `/${INBOX_DIR}/`;
const MAX_NAME_CHARS = 100;

/**
 * A file name that is safe as one path component: no folders, no leading dot (so neither
 * `..` nor a hidden file), only letters, digits and `._-` and spaces, at most 100 characters
 * with its extension kept.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}._ -]+/gu, "_")
    .replace(/^[.\s]+/, "")
    .replace(/\s+$/, "");
  if (!cleaned.replace(/[._\s-]/g, "")) return "file";
  if (cleaned.length <= MAX_NAME_CHARS) return cleaned;
  const extension = path.extname(cleaned).slice(0, 20);
  return cleaned.slice(0, MAX_NAME_CHARS - extension.length) + extension;
}

/**
 * Saves the bytes as a new file in the workspace's inbox and returns its absolute path. A
 * name already taken gets a suffix (`notes-2.txt`); the inbox must resolve inside the
 * workspace (a symbolic link out of it is refused). The inbox is kept out of git, so the
 * files are never committed as the agent's memory.
 */
export async function saveToInbox(workspace: string, name: string, bytes: Uint8Array): Promise<string> {
  const inbox = path.join(workspace, INBOX_DIR);
  await mkdir(inbox, { recursive: true });
  const [realWorkspace, realInbox] = await Promise.all([realpath(workspace), realpath(inbox)]);
  if (path.relative(realWorkspace, realInbox) !== INBOX_DIR.split("/").join(path.sep))
    throw new Error(`${INBOX_DIR} in the workspace is not a plain folder; not saving files through it`);
  await excludeFromGit(workspace);
  const safe = safeFileName(name);
  const extension = path.extname(safe);
  const stem = safe.slice(0, safe.length - extension.length) || "file";
  for (let attempt = 1; attempt <= 1000; attempt++) {
    const file = path.join(realInbox, attempt === 1 ? safe : `${stem}-${attempt}${extension}`);
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error(`too many files named ${safe} in ${INBOX_DIR}`);
}

async function excludeFromGit(workspace: string): Promise<void> {
  const commonDir = (await runGit(workspace, ["rev-parse", "--git-common-dir"])).stdout.trim();
  const exclude = path.resolve(workspace, commonDir, "info", "exclude");
  const current = await readFile(exclude, "utf8").catch(() => "");
  if (current.split("\n").includes(EXCLUDE_LINE)) return;
  await mkdir(path.dirname(exclude), { recursive: true });
  await appendFile(exclude, `${current === "" || current.endsWith("\n") ? "" : "\n"}${EXCLUDE_LINE}\n`);
}
