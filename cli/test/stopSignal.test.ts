import { afterEach, describe, expect, it } from "vitest";
import { stopRequested } from "../src/stack/stopSignal.ts";

describe("stopRequested", () => {
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };

  afterEach(() => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before[signal].includes(listener)) process.off(signal, listener);
      }
    }
  });

  it("resolves with the first signal and keeps listening, so signal-exit does not kill the process", async () => {
    const stopping = stopRequested();
    process.emit("SIGINT", "SIGINT");
    expect(await stopping).toBe("SIGINT");
    // signal-exit re-kills only when its own listeners are all that is left.
    expect(process.listenerCount("SIGINT")).toBe(before.SIGINT.length + 1);
    expect(process.listenerCount("SIGTERM")).toBe(before.SIGTERM.length + 1);
  });
});
