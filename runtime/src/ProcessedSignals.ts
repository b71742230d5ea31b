import { mkdir, open, readFile, rename, type FileHandle } from "node:fs/promises";
import path from "node:path";

export const PROCESSED_SIGNALS_FILE = "processed-signals.log";

export interface ProcessedSignalsOptions {
  /** Compact on load once the log has more lines than this. */
  maxLines?: number;
  /** How many of the newest ids compaction keeps. */
  keepLines?: number;
}

/**
 * The durable record of which signals this runtime has processed: an append-only file of
 * signal ids, one a line, in the runtime's state directory. An id is fsync'd before the
 * signal is acknowledged, so a replayed signal is recognised and not processed twice.
 * Nothing but ids is stored here.
 */
export class ProcessedSignals {
  readonly #ids: Set<string>;
  readonly #file: string;
  #handle: FileHandle | null;
  #writes: Promise<void> = Promise.resolve();

  private constructor(file: string, ids: Set<string>, handle: FileHandle) {
    this.#file = file;
    this.#ids = ids;
    this.#handle = handle;
  }

  /** Loads the record from `stateDir` (creating it), compacting it if it has grown too long. */
  static async open(stateDir: string, options: ProcessedSignalsOptions = {}): Promise<ProcessedSignals> {
    const maxLines = options.maxLines ?? 10_000;
    const keepLines = options.keepLines ?? 5_000;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const file = path.join(stateDir, PROCESSED_SIGNALS_FILE);
    let lines: string[] = [];
    try {
      lines = (await readFile(file, "utf8")).split("\n").filter((line) => line.length > 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (lines.length > maxLines) {
      lines = lines.slice(-keepLines);
      const temporary = `${file}.tmp`;
      const compacted = await open(temporary, "w", 0o600);
      try {
        await compacted.writeFile(lines.map((id) => `${id}\n`).join(""));
        await compacted.datasync();
      } finally {
        await compacted.close();
      }
      await rename(temporary, file);
    }
    const handle = await open(file, "a", 0o600);
    return new ProcessedSignals(file, new Set(lines), handle);
  }

  get file(): string {
    return this.#file;
  }

  get size(): number {
    return this.#ids.size;
  }

  has(signalId: string): boolean {
    return this.#ids.has(signalId);
  }

  /** Records the id durably (appended and fsync'd) before resolving. */
  add(signalId: string): Promise<void> {
    if (signalId.length === 0 || /[\r\n]/.test(signalId)) {
      return Promise.reject(new Error(`refusing to record the malformed signal id ${JSON.stringify(signalId)}`));
    }
    if (this.#ids.has(signalId)) return Promise.resolve();
    const write = this.#writes.then(async () => {
      const handle = this.#handle;
      if (!handle) throw new Error("the processed-signals log is closed");
      await handle.appendFile(`${signalId}\n`);
      await handle.datasync();
      this.#ids.add(signalId);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.#writes;
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
