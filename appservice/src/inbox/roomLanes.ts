/** The items of each key in their order, the keys in the order they first appear. */
export function groupInLanes<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  return [...lanes.values()];
}

/**
 * Runs `work` on every item: one lane's items one after another, in order, and up to
 * `concurrency` lanes at once. After a failure no further item starts; the call waits for
 * the items already running, so none outlives it, then rejects with the first failure.
 */
export async function runLanes<T>(
  lanes: readonly (readonly T[])[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < lanes.length) {
      const lane = lanes[next++]!;
      for (const item of lane) {
        if (failure !== undefined) return;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lanes.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

/**
 * Gives the event loop back once work has run for `sliceMs`. Work whose every await is
 * answered at once (the SQLite driver is synchronous) otherwise keeps every request
 * waiting; all lanes that ask during a pause wait for the same one, so the pause is real.
 */
export class TimeSlice {
  #startedAt = performance.now();
  #pause: Promise<void> | undefined;

  constructor(private readonly sliceMs: number) {}

  async pauseIfDue(): Promise<void> {
    if (this.#pause === undefined && performance.now() - this.#startedAt >= this.sliceMs) {
      this.#pause = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#pause = undefined;
        this.#startedAt = performance.now();
      });
    }
    await this.#pause;
  }
}
