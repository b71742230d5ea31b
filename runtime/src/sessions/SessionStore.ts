import { mkdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { isoTime, projectRef, sessionId } from "@aachat/protocol";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";

/** What a restart needs to bring a session back: its coverage, its conversation, what it has read. */
export const sessionRecord = z.strictObject({
  id: sessionId,
  projects: z.array(projectRef).min(1),
  /** The ACP session id, to resume the conversation with `session/load`. */
  acpSessionId: z.string().nullable(),
  startedAt: isoTime,
  /** Per room, the last message the agent has read with its read_unread tool. */
  readCursors: z.record(z.string(), z.string()),
  /** The mode and model people chose in chat (`!mode`, `!model`): applied again when the agent process restarts. */
  chosen: z.strictObject({ mode: z.string().optional(), model: z.string().optional() }).optional(),
});
export type SessionRecord = z.infer<typeof sessionRecord>;

const storeFile = z.strictObject({ sessions: z.array(sessionRecord) });

/**
 * sessions.json: the sessions a runtime should be running. Written whole and atomically
 * after every change, so a crash leaves the last good version.
 */
export class SessionStore {
  #writes: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async load(): Promise<SessionRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const parsed = storeFile.safeParse(safeJson(text));
    if (!parsed.success) {
      // Keep the damaged file for the owner to look at; start with no sessions.
      await rename(this.file, `${this.file}.damaged-${Date.now()}`);
      return [];
    }
    return parsed.data.sessions;
  }

  save(records: readonly SessionRecord[]): Promise<void> {
    const snapshot = JSON.stringify({ sessions: records }, null, 2);
    const write = this.#writes.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${snapshot}\n`, { mode: 0o600 });
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
