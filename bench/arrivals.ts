/**
 * First-seen times by key (an event id), from a source that may report a key before or
 * after anyone waits for it: a waiter gets the recorded time either way.
 */
export class Arrivals<T> {
  readonly #seen = new Map<string, T>();
  readonly #waiters = new Map<string, (value: T) => void>();

  record(key: string, value: T): void {
    if (this.#seen.has(key)) return;
    this.#seen.set(key, value);
    const waiter = this.#waiters.get(key);
    if (waiter) {
      this.#waiters.delete(key);
      waiter(value);
    }
  }

  /** Waits for `key`, rejecting after `timeoutMs` with a message naming `what`. */
  waitFor(key: string, timeoutMs: number, what: string): Promise<T> {
    const known = this.#seen.get(key);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} of ${key}`));
      }, timeoutMs);
      this.#waiters.set(key, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }
}
