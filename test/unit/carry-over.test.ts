import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StoreDirectory } from "../../src/credentials.js";
import {
  LaterRowsOfOrder,
  markLaterRows,
  orderKeys,
  planResume,
} from "../../src/resume/carry-over.js";

const order = (id: number, store = "s") => ({ store, id });

describe("markLaterRows: once a row of an order is marked, its later rows are too", () => {
  it("marks the later rows of that order only, never the earlier ones", () => {
    const marked = markLaterRows([
      { order: order(150), own: false }, // before the first marked row of 150: stays
      { order: order(151), own: false },
      { order: order(150), own: true }, // redone (needs_review, edited, missing)
      { order: order(151), own: false },
      { order: order(150), own: false }, // done before, but after a redone row of 150
      { order: order(150), own: false },
    ]);
    expect(marked).toEqual([false, false, true, false, true, true]);
  });

  it("tells stores apart: the same order id in another store is another order", () => {
    const marked = markLaterRows([
      { order: order(150, "eu"), own: true },
      { order: order(150, "us"), own: false },
      { order: order(150, "eu"), own: false },
    ]);
    expect(marked).toEqual([true, false, true]);
  });

  it("a row without a usable order id counts only for itself", () => {
    const marked = markLaterRows([
      { order: undefined, own: true },
      { order: undefined, own: false },
      { order: order(1), own: false },
    ]);
    expect(marked).toEqual([true, false, false]);
  });

  it("clear() forgets the marked orders", () => {
    const tracker = new LaterRowsOfOrder();
    expect(tracker.tracking).toBe(false);
    expect(tracker.next(order(7), true)).toBe(true);
    expect(tracker.tracking).toBe(true);
    tracker.clear();
    expect(tracker.tracking).toBe(false);
    expect(tracker.next(order(7), false)).toBe(false);
  });
});

describe("orderKeys", () => {
  const directory: StoreDirectory = {
    ids: new Set(["eu", "eu-again", "us"]),
    defaultId: "eu",
    get(id: string | undefined) {
      const which = id ?? "eu";
      if (which === "eu" || which === "eu-again") return { storeHash: "EU", accessToken: "x" };
      if (which === "us") return { storeHash: "us", accessToken: "y" };
      throw new Error(`unknown ${which}`);
    },
  } as unknown as StoreDirectory;
  const identity = (credentials: { storeHash: string }) => credentials.storeHash.toLowerCase();

  it("one store however its credentials are named; the order id as a number", () => {
    const keyOf = orderKeys(directory, identity);
    expect(keyOf({ order_id: " 0150 " })).toEqual(keyOf({ order_id: "150", credentials_id: "eu" }));
    expect(keyOf({ order_id: "150", credentials_id: "eu-again" })).toEqual(
      keyOf({ order_id: "150" }),
    );
    expect(keyOf({ order_id: "150", credentials_id: "us" })).not.toEqual(
      keyOf({ order_id: "150" }),
    );
  });

  it("no key without a positive whole order id; unknown credentials by the id as written", () => {
    const keyOf = orderKeys(directory, identity);
    expect(keyOf({ order_id: "abc" })).toBeUndefined();
    expect(keyOf({ order_id: "0" })).toBeUndefined();
    expect(keyOf({})).toBeUndefined();
    expect(keyOf({ order_id: "1", credentials_id: "nope" })).not.toEqual(keyOf({ order_id: "1" }));
    // Offline (validate): by the credentials_id cell.
    const offline = orderKeys(undefined, undefined);
    expect(offline({ order_id: "1", credentials_id: " a " })).toEqual(
      offline({ order_id: "1", credentials_id: "a" }),
    );
  });
});

describe("planResume", () => {
  it("resumes from a results file or a partial one; without either, a fresh run with a notice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bc-plan-resume-"));
    try {
      const results = join(dir, "orders.results.csv");
      expect(planResume(false, results)).toEqual({ resume: false });
      expect(planResume(true, undefined)).toEqual({ resume: false });
      const fresh = planResume(true, results);
      expect(fresh.resume).toBe(false);
      expect(fresh.notice).toContain(results);
      await writeFile(`${results}.partial`, "");
      expect(planResume(true, results)).toEqual({ resume: true });
      await rm(`${results}.partial`);
      await writeFile(results, "");
      expect(planResume(true, results)).toEqual({ resume: true });
      expect(existsSync(`${results}.partial`)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
