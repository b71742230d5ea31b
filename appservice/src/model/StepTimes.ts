/** How long each named step of one request took, in whole milliseconds, for its log line. */
export class StepTimes {
  readonly ms: Record<string, number> = {};
  readonly #started = performance.now();

  /** Runs `work` and records its duration under `name` (also when it fails). */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms[name] = Math.round(performance.now() - started);
    }
  }

  /** Milliseconds since this was made. */
  total(): number {
    return Math.round(performance.now() - this.#started);
  }
}
