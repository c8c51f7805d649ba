/**
 * Issue 4, bounded concurrency: the store never sees more requests at once than --concurrency, and
 * the rows of one order never overlap (they run one after another, in file order), while results
 * stay in input order. Measured by the sandbox store itself (stats.maxInFlight, maxInFlightPerOrder).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RetryQuota } from "../../src/api/retry-policy.js";
import { StoreRegistry } from "../../src/apply/stores.js";
import { runBatch } from "../../src/index.js";
import { GENERATED_FIRST_ID } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";
import { credentialsOf, directoryOf } from "../helpers/stores.js";

async function run(args: {
  orders: number;
  input: { header: string[]; rows: string[][] };
  concurrency: number;
}) {
  // Every answer takes 15 ms, so requests of different workers overlap at the store.
  const sandbox = await startE2eSandbox({
    seed: { generate: { orders: args.orders } },
    latencyMs: 15,
  });
  const dir = await tempDir("bc-rel-conc-");
  const file = await writeCsv(join(dir, "orders.csv"), args.input.header, args.input.rows);
  const output = join(dir, "orders.results.csv");
  const result = await runCli(
    [file, "-o", output, "--concurrency", String(args.concurrency), "--quiet"],
    { env: sandboxEnv(sandbox) },
  );
  const results = await readResults(output);
  return { sandbox, result, results };
}

describe("concurrency", () => {
  it.each([1, 3, 6])("never has more than --concurrency %i requests in flight", async (n) => {
    const input = orderRows(24, "mixed");
    const { sandbox, result, results } = await run({ orders: 24, input, concurrency: n });
    checkInvariants({
      inputRows: 24,
      results,
      sandbox,
      run: result,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    const stats = sandbox.stats();
    expect(stats.maxInFlight).toBeLessThanOrEqual(n);
    // The bound is reached, not just respected: the workers did run side by side.
    if (n > 1) expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlightPerOrder).toBe(1);
  });

  it("runs the rows of one order one after another, in file order, however many workers", async () => {
    // 48 rows for 4 orders, 12 each: status, note and shipment rows interleaved.
    const input = orderRows(48, "mixed", { orders: 4 });
    const { sandbox, result, results } = await run({ orders: 4, input, concurrency: 8 });
    // The second shipment row of an order finds it shipped under another tracking number: those
    // rows are `unchanged`, naming the first shipment (README "Split parcels", --already-shipped ok).
    const summary = checkInvariants({
      inputRows: 48,
      results,
      sandbox,
      run: result,
      expectCode: 0,
      input,
      // A repeated status row of an order finds it set already (issue 12): unchanged.
      allowedResults: ["updated", "unchanged", "already_shipped", "failed"],
    });
    const stats = sandbox.stats();
    expect(stats.maxInFlightPerOrder).toBe(1);
    // Different orders did proceed side by side.
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(4);

    // File order per order: each order ends with the note of its last note row, and the first
    // shipment row of each order is the one that shipped.
    for (let i = 0; i < 4; i++) {
      const orderId = 100000 + i;
      const rows = input.rows.filter((row) => Number(row[0]) === orderId);
      const lastNote = rows.filter((row) => row[2] !== "").at(-1)?.[2];
      expect(sandbox.store.getOrder(orderId)?.staff_notes).toBe(lastNote);
      const firstTracking = rows.find((row) => row[3] !== "")?.[3];
      expect(sandbox.store.listShipments(orderId).map((s) => s.tracking_number)).toEqual([
        firstTracking,
      ]);
    }
    expect(summary.shipmentsCreated).toBe(4);
    expect(summary.counts.failed ?? 0).toBe(0);
    const shipped = new Map(
      sandbox.store.createdShipments().map((s) => [s.order_id, String(s.id)]),
    );
    const later = results.rows.filter(
      (_row, i) =>
        input.rows[i]?.[3] !== "" &&
        input.rows.findIndex((r) => r[0] === input.rows[i]?.[0] && r[3] !== "") !== i,
    );
    expect(later).toHaveLength(4 * 3);
    for (const row of later) {
      // The order's first shipment took everything: the later ones find it shipped.
      expect(row.result).toBe("already_shipped");
      expect(row.shipment_id).toBe(shipped.get(Number(row.order_id)));
    }
  });
});

describe("one store, however its credentials spell it", () => {
  const FIRST = GENERATED_FIRST_ID;

  it("one client for http://h and http://h/ and any case of the hash; another hash is another store", async () => {
    const sandbox = await startE2eSandbox();
    const url = sandbox.env.BIGCOMMERCE_API_URL;
    const hash = sandbox.env.BIGCOMMERCE_STORE_HASH;
    const controller = new AbortController();
    const registry = new StoreRegistry({
      directory: directoryOf(
        {
          a: credentialsOf(sandbox),
          b: credentialsOf(sandbox, `${url}/`),
          c: { ...credentialsOf(sandbox, `${url}//`), storeHash: hash.toUpperCase() },
          d: { ...credentialsOf(sandbox), storeHash: `${hash}2` },
        },
        "a",
      ),
      userAgent: "test",
      retryQuota: new RetryQuota(),
      signal: controller.signal,
    });
    try {
      const store = registry.get("a");
      expect(registry.get("b")).toBe(store);
      expect(registry.get("c")).toBe(store);
      expect(registry.get("d")).not.toBe(store);
      expect(registry.stats()).toHaveLength(2);
    } finally {
      controller.abort();
    }
  });

  it("rows of one order under two spellings of the store never run side by side", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 2 } }, latencyMs: 10 });
    const dir = await tempDir("bc-rel-conc-");
    const rows = 24;
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes", "credentials_id"],
      Array.from({ length: rows }, (_, i) => [
        String(FIRST + (i % 2)),
        `note ${i}`,
        i % 4 < 2 ? "plain" : "slash",
      ]),
    );
    const url = sandbox.env.BIGCOMMERCE_API_URL;
    const summary = await runBatch({
      input,
      mode: "run",
      output: join(dir, "out.csv"),
      concurrency: 4,
      stores: directoryOf(
        { plain: credentialsOf(sandbox), slash: credentialsOf(sandbox, `${url}/`) },
        "plain",
      ),
    });
    expect(summary.byResult).toEqual({ updated: rows });
    expect(sandbox.stats().maxInFlightPerOrder).toBe(1);
    // Each order ends with the note of its last row (file order kept per order).
    expect(sandbox.store.getOrder(FIRST)?.staff_notes).toBe(`note ${rows - 2}`);
    expect(sandbox.store.getOrder(FIRST + 1)?.staff_notes).toBe(`note ${rows - 1}`);
  });
});
