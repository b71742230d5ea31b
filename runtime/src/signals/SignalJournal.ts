import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { signalPayload, type SignalPayload } from "@aachat/protocol";

export const JOURNAL_FILE = "signals.journal";

export interface SignalJournalOptions {
  /** Compact on open once the journal has more lines than this. */
  maxLines?: number;
  /** How many ids of finished signals compaction keeps (to recognise late replays). */
  keepDone?: number;
}

type Entry = { t: "taken"; signal: SignalPayload } | { t: "done"; id: string };

/**
 * The runtime's durable record of its signals: an append-only file in its state directory.
 * A signal is written (and fsync'd) here before the runtime acknowledges it to the
 * appservice, and marked done once processed. After a crash or restart, the signals taken
 * and not done are processed again, and a signal the appservice replays is recognised and
 * never processed twice.
 */
export class SignalJournal {
  readonly #taken = new Map<string, SignalPayload>();
  readonly #done = new Set<string>();
  #handle: FileHandle | null;
  #writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    handle: FileHandle,
    entries: Entry[],
  ) {
    this.#handle = handle;
    for (const entry of entries) this.#apply(entry);
  }

  /** Loads the journal from `stateDir` (creating it), compacting it if it has grown long. */
  static async open(stateDir: string, options: SignalJournalOptions = {}): Promise<SignalJournal> {
    const maxLines = options.maxLines ?? 20_000;
    const keepDone = options.keepDone ?? 5_000;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const file = path.join(stateDir, JOURNAL_FILE);
    let entries: Entry[] = [];
    try {
      entries = parseLines(await readFile(file, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (entries.length > maxLines) {
      entries = compacted(entries, keepDone);
      await writeFileAtomic(file, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""), { mode: 0o600 });
    }
    return new SignalJournal(file, await open(file, "a", 0o600), entries);
  }

  /** Whether the signal was taken over before (whether or not it is done). */
  has(signalId: string): boolean {
    return this.#taken.has(signalId) || this.#done.has(signalId);
  }

  isDone(signalId: string): boolean {
    return this.#done.has(signalId);
  }

  /** Signals taken over and not done yet, oldest first. */
  pending(): SignalPayload[] {
    return [...this.#taken.values()];
  }

  /** Records the signal durably; resolves false (writing nothing) when it was already taken. */
  async take(signal: SignalPayload): Promise<boolean> {
    if (this.has(signal.id)) return false;
    await this.#append({ t: "taken", signal });
    return true;
  }

  /** Marks the signal processed, durably. */
  async done(signalId: string): Promise<void> {
    if (this.#done.has(signalId)) return;
    await this.#append({ t: "done", id: signalId });
  }

  async close(): Promise<void> {
    await this.#writes;
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  #append(entry: Entry): Promise<void> {
    const write = this.#writes.then(async () => {
      const handle = this.#handle;
      if (!handle) throw new Error("the signal journal is closed");
      await handle.appendFile(`${JSON.stringify(entry)}\n`);
      await handle.datasync();
      this.#apply(entry);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  #apply(entry: Entry): void {
    if (entry.t === "taken") {
      if (!this.#done.has(entry.signal.id)) this.#taken.set(entry.signal.id, entry.signal);
    } else {
      this.#taken.delete(entry.id);
      this.#done.add(entry.id);
    }
  }
}

/** Reads the journal's lines; a torn last line (a crash mid-write) is ignored. */
function parseLines(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const entry = json as { t?: unknown; id?: unknown; signal?: unknown };
    if (entry.t === "done" && typeof entry.id === "string") entries.push({ t: "done", id: entry.id });
    else if (entry.t === "taken") {
      const signal = signalPayload.safeParse(entry.signal);
      if (signal.success) entries.push({ t: "taken", signal: signal.data });
    }
  }
  return entries;
}

/** The pending signals, then the newest `keepDone` ids of finished ones. */
function compacted(entries: Entry[], keepDone: number): Entry[] {
  const done: string[] = [];
  const taken = new Map<string, SignalPayload>();
  for (const entry of entries) {
    if (entry.t === "taken") taken.set(entry.signal.id, entry.signal);
    else {
      taken.delete(entry.id);
      done.push(entry.id);
    }
  }
  return [
    ...done.slice(-keepDone).map((id): Entry => ({ t: "done", id })),
    ...[...taken.values()].map((signal): Entry => ({ t: "taken", signal })),
  ];
}
