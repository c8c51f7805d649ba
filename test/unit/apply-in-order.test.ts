import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { applyInOrder } from "../../src/apply/apply-in-order.js";

interface Item {
  readonly id: number;
  readonly key?: string;
  readonly ms: number;
}

async function* from(items: readonly Item[]) {
  yield* items;
}

async function collect(items: readonly Item[], concurrency: number, stopAfter?: number) {
  let running = 0;
  let maxRunning = 0;
  const runningByKey = new Map<string, number>();
  let maxPerKey = 0;
  const started: number[] = [];
  const results: string[] = [];
  for await (const result of applyInOrder(from(items), {
    concurrency,
    maxPending: 8,
    keyOf: (item) => item.key,
    stopped: () => stopAfter !== undefined && started.length >= stopAfter,
    skip: (item) => `${item.id}:${item.key === undefined ? "nokey" : "skipped"}`,
    work: async (item) => {
      started.push(item.id);
      running++;
      maxRunning = Math.max(maxRunning, running);
      const key = item.key as string;
      runningByKey.set(key, (runningByKey.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, runningByKey.get(key) ?? 0);
      await sleep(item.ms);
      runningByKey.set(key, (runningByKey.get(key) ?? 0) - 1);
      running--;
      return `${item.id}:done`;
    },
  })) {
    results.push(result);
  }
  return { results, maxRunning, maxPerKey, started };
}

describe("applyInOrder", () => {
  it("yields every item once, in input order, whatever order the work finishes in", async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ id: i, key: `k${i}`, ms: (i * 7) % 5 }));
    const { results } = await collect(items, 4);
    expect(results).toEqual(items.map((item) => `${item.id}:done`));
  });

  it("never runs more than `concurrency` items at once", async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ id: i, key: `k${i}`, ms: 2 }));
    const { maxRunning } = await collect(items, 3);
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it("runs items with the same key one after another, in input order", async () => {
    const items = Array.from({ length: 24 }, (_, i) => ({
      id: i,
      key: `k${i % 3}`,
      ms: (i * 5) % 4,
    }));
    const { maxPerKey, started } = await collect(items, 6);
    expect(maxPerKey).toBe(1);
    for (const key of [0, 1, 2]) {
      const order = started.filter((id) => id % 3 === key);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it("passes keyless items through without work", async () => {
    const { results, started } = await collect(
      [
        { id: 1, ms: 0 },
        { id: 2, key: "a", ms: 0 },
      ],
      2,
    );
    expect(results).toEqual(["1:nokey", "2:done"]);
    expect(started).toEqual([2]);
  });

  it("once stopped, starts nothing more but still yields a result for every item", async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ id: i, key: `k${i}`, ms: 1 }));
    const { results, started } = await collect(items, 2, 5);
    expect(results).toHaveLength(20);
    expect(started.length).toBeLessThanOrEqual(6);
    expect(results.filter((r) => r.endsWith("skipped")).length).toBe(20 - started.length);
  });

  it("starts no queued item once its consumer stops iterating", async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const items = Array.from({ length: 12 }, (_, i) => ({ id: i, key: `k${i}`, ms: 0 }));
    for await (const result of applyInOrder(from(items), {
      concurrency: 2,
      maxPending: 8,
      keyOf: (item) => item.key,
      stopped: () => false,
      skip: (item) => `${item.id}:skipped`,
      work: (item) => {
        started.push(item.id);
        // The first item finishes at once; the others run until released.
        if (item.id === 0) return Promise.resolve("0:done");
        return new Promise<string>((resolve) => {
          release.push(() => resolve(`${item.id}:done`));
        });
      },
    })) {
      expect(result).toBe("0:done");
      break; // e.g. the pipeline failed downstream
    }
    const atStop = started.length;
    expect(atStop).toBeLessThan(items.length);
    // The work in flight ends now; the items queued behind it must not start.
    for (const done of release) done();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(atStop);
  });
});

describe("applyInOrder groups", () => {
  it("gives each group its own concurrency, so a stalled group does not hold up another", async () => {
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    const items = [
      ...Array.from({ length: 3 }, (_, i) => ({ id: i, group: "a" })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: 10 + i, group: "b" })),
    ];
    const finishedB: number[] = [];
    const source = (async function* () {
      yield* items;
    })();
    const results = applyInOrder(source, {
      concurrency: 2,
      maxPending: 64,
      keyOf: (item) => `${item.group}${item.id}`,
      groupOf: (item) => item.group,
      stopped: () => false,
      skip: (item) => item.id,
      work: async (item) => {
        if (item.group === "a") await stalled;
        else finishedB.push(item.id);
        return item.id;
      },
    });
    const collected = (async () => {
      const out: number[] = [];
      for await (const id of results) out.push(id);
      return out;
    })();
    // Group a holds both of its slots; group b still runs all of its items.
    for (let i = 0; i < 50 && finishedB.length < 3; i++) await new Promise((r) => setTimeout(r, 2));
    expect(finishedB).toEqual([10, 11, 12]);
    release();
    expect(await collected).toEqual([0, 1, 2, 10, 11, 12]);
  });
});
