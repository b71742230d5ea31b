import { describe, expect, it } from "vitest";
import { groupInLanes, runLanes, TimeSlice } from "../src/inbox/roomLanes.ts";

interface Item {
  room: string;
  seq: number;
}

const items: Item[] = [
  { room: "!a", seq: 1 },
  { room: "!b", seq: 2 },
  { room: "!a", seq: 3 },
  { room: "!c", seq: 4 },
  { room: "!b", seq: 5 },
  { room: "!a", seq: 6 },
];

/** Resolves after the event loop has turned a few times, so other lanes get to run in between. */
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("groupInLanes", () => {
  it("keeps each room's items in order, rooms in order of first appearance", () => {
    expect(groupInLanes(items, (item) => item.room).map((lane) => lane.map((item) => item.seq))).toEqual([
      [1, 3, 6],
      [2, 5],
      [4],
    ]);
  });
});

describe("runLanes", () => {
  it("runs every item once, each lane in order, lanes at once but never more than asked", async () => {
    const lanes = groupInLanes(
      Array.from({ length: 60 }, (_, seq) => ({ room: `!r${seq % 7}`, seq })),
      (item) => item.room,
    );
    const finished: Item[] = [];
    const running = new Set<string>();
    let mostAtOnce = 0;
    await runLanes(lanes, 3, async (item) => {
      expect(running.has(item.room), `two items of ${item.room} at once`).toBe(false);
      running.add(item.room);
      mostAtOnce = Math.max(mostAtOnce, running.size);
      await turns(1 + (item.seq % 3));
      running.delete(item.room);
      finished.push(item);
    });
    expect(finished).toHaveLength(60);
    expect(new Set(finished.map((item) => item.seq)).size).toBe(60);
    for (const lane of lanes) {
      const order = finished.filter((item) => item.room === lane[0]!.room).map((item) => item.seq);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(mostAtOnce).toBe(3);
  });

  it("starts nothing after a failure, waits for what runs, then rejects with the first failure", async () => {
    const lanes = groupInLanes(items, (item) => item.room);
    const started: number[] = [];
    const finished: number[] = [];
    const run = runLanes(lanes, 2, async (item) => {
      started.push(item.seq);
      if (item.seq === 2) throw new Error("event 2 failed");
      await turns(3);
      finished.push(item.seq);
    });
    await expect(run).rejects.toThrow("event 2 failed");
    // Room !a's first item was running when !b's failed: it finished, and nothing started after.
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([1]);
  });
});

describe("TimeSlice", () => {
  it("lets a timer run between items of work that never waits on its own", async () => {
    const slice = new TimeSlice(1);
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    const busyUntil = performance.now() + 50;
    let items = 0;
    while (!timerRan && performance.now() < busyUntil) {
      items++;
      await Promise.resolve(); // an answer that is already there, like the SQLite driver's
      await slice.pauseIfDue();
    }
    expect(timerRan).toBe(true);
    expect(items).toBeGreaterThan(1);
  });
});
