/**
 * Issue 4, "Nothing lost": kill -9 at random points, then --resume, several times over. Whatever a
 * kill interrupts (a POST whose answer never arrives, a results record half written, a resume run
 * itself), the last --resume leaves one complete results file, one row per input row in input
 * order, and exactly one shipment per (order, tracking number). Kill points are drawn from a seeded
 * PRNG, counted in requests the store has handled, so a failure can be replayed.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStoreDirectory, type RowOutcome, runBatch } from "../../src/index.js";
import { GENERATED_FIRST_ID, type Sandbox } from "../../src/sandbox/index.js";
import { createRandom, randomInt } from "../../src/sandbox/random.js";
import {
  checkInvariants,
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";
import { ordersTouched } from "../helpers/stores.js";

const ROWS = 90;

/** Shipments with the same (order, tracking number): must stay empty after every kill. */
function duplicateShipments(sandbox: Sandbox): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const shipment of sandbox.store.createdShipments()) {
    const key = `${shipment.order_id}/${shipment.tracking_number}`;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
  }
  return duplicates;
}

/** Complete data records (lines) of a results file a kill may have cut anywhere. */
async function linesDone(file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  const text = await readFile(file, "utf8");
  // Each record of these files is one line; a cut-short last line does not count.
  return Math.max(0, text.split("\n").length - 2);
}

describe("kill -9, then --resume", () => {
  it("five kills at random points, then one complete results file and one shipment per row", async () => {
    const random = createRandom(9_2026);
    // Every answer takes a few ms, so a run lasts long enough to be killed in the middle.
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: ROWS } }, latencyMs: 8 });
    const dir = await tempDir("bc-rel-resume-");
    const input = orderRows(ROWS, "mixed");
    const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
    const output = join(dir, "orders.results.csv");
    const env = sandboxEnv(sandbox);
    const args = [file, "-o", output, "--concurrency", "4", "--quiet", "--reconcile-delay-ms", "5"];

    const kills: { after: number; killed: boolean; recorded: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const cli = spawnCli(i === 0 ? args : [...args, "--resume"], { env });
      const start = sandbox.stats().requests;
      const after = randomInt(random, 1, 50);
      await waitUntil(() => {
        if (cli.child.exitCode !== null) return true; // finished before the kill point
        if (sandbox.stats().requests - start < after) return false;
        cli.child.kill("SIGKILL");
        return true;
      });
      const run = await cli.result;
      // What the next --resume starts from: the results file, or the partial file a killed resume
      // run left (both are in input order from the first line).
      const recorded = Math.max(await linesDone(output), await linesDone(`${output}.partial`));
      kills.push({ after, killed: run.signal === "SIGKILL", recorded });
      // The killed client's sockets close a moment later; then the store is as the kill left it.
      await waitUntil(() => sandbox.stats().requestLog.length === sandbox.stats().requests);
      expect(duplicateShipments(sandbox), `after kill ${i + 1}`).toEqual([]);
    }
    // The kills did land in the middle of runs, and no run lost what an earlier one had recorded.
    const report = JSON.stringify(kills);
    expect(kills.filter((kill) => kill.killed).length, report).toBeGreaterThanOrEqual(3);
    kills.forEach((kill, i) => {
      expect(kill.recorded, report).toBeGreaterThanOrEqual(kills[i - 1]?.recorded ?? 0);
    });

    const last = await runCli([...args, "--resume"], { env });
    const results = await readResults(output);
    const summary = checkInvariants({
      inputRows: ROWS,
      results,
      sandbox,
      run: last,
      expectCode: 0,
      input,
      allowedResults: ["updated", "unchanged"],
    });
    expect(duplicateShipments(sandbox)).toEqual([]);
    // Every row's change is in the store, each shipment exactly once.
    for (const [orderId, status, note, tracking] of input.rows) {
      const order = sandbox.store.getOrder(Number(orderId));
      if (status) expect(order?.status_id, `order ${orderId}`).toBe(Number(status));
      if (note) expect(order?.staff_notes, `order ${orderId}`).toBe(note);
      if (tracking) {
        const found = sandbox.store
          .listShipments(Number(orderId))
          .filter((shipment) => shipment.tracking_number === tracking);
        expect(found, `order ${orderId}`).toHaveLength(1);
      }
    }
    expect(sandbox.store.createdShipments()).toHaveLength(ROWS / 3);
    // A shipment row reports the shipment the store holds, whichever run created it.
    for (const row of results.rows.filter((r) => r.tracking_number)) {
      const [shipment] = sandbox.store.listShipments(Number(row.order_id));
      expect(row.shipment_id, `line ${row.line}`).toBe(String(shipment?.id));
    }
    expect(summary.counts.updated ?? 0).toBeGreaterThan(0);
  });

  it("a kill -9 during a --resume run keeps the rows that run finished", async () => {
    // One worker, so rows run strictly in order; a PUT that never gets an answer stops each run at a
    // known row.
    const rows = 30;
    const hangAt = (orderId: number) => [
      { method: "PUT" as const, orderId, kind: "hang" as const },
    ];
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: rows } },
      faults: hangAt(100005),
    });
    const dir = await tempDir("bc-rel-resume-");
    const input = orderRows(rows, "note");
    const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
    const output = join(dir, "orders.results.csv");
    const env = sandboxEnv(sandbox);
    const args = [file, "-o", output, "--concurrency", "1", "--quiet"];
    const stuck = () => {
      const stats = sandbox.stats();
      return stats.requests - stats.requestLog.length === 1;
    };

    // Run 1: stopped (SIGTERM, short grace) on row 6; rows 1-5 done.
    const first = spawnCli([...args, "--grace", "0.2"], { env });
    await waitUntil(() => stuck() && (sandbox.stats().byRoute.order_put ?? 0) === 5);
    first.child.kill("SIGTERM");
    expect((await first.result).code).toBe(143);

    // Run 2 (--resume) does rows 6-19, then hangs on row 20 and is killed with SIGKILL.
    sandbox.setFaults(hangAt(100019));
    const second = spawnCli([...args, "--resume"], { env });
    // Killed once the rows it finished are on disk (the partial file it writes).
    await waitUntil(
      async () =>
        stuck() &&
        (sandbox.stats().byRoute.order_put ?? 0) === 5 + 1 + 14 &&
        (await linesDone(`${output}.partial`)) === 19,
    );
    second.child.kill("SIGKILL");
    expect((await second.result).signal).toBe("SIGKILL");
    await waitUntil(() => sandbox.stats().requestLog.length === sandbox.stats().requests);

    // Run 3 (--resume) starts where run 2 was killed: rows 1-19 are not sent again.
    sandbox.setFaults([]);
    const logBefore = sandbox.stats().requestLog.length;
    const third = await runCli([...args, "--resume"], { env });
    const results = await readResults(output);
    checkInvariants({
      inputRows: rows,
      results,
      sandbox,
      run: third,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    const touched = sandbox
      .stats()
      .requestLog.slice(logBefore)
      .flatMap((entry) => (entry.orderId === undefined ? [] : [entry.orderId]));
    expect(new Set(touched)).toEqual(
      new Set(Array.from({ length: rows - 19 }, (_, i) => 100019 + i)),
    );
    expect(existsSync(`${output}.partial`)).toBe(false);
    for (const [orderId, , note] of input.rows) {
      expect(sandbox.store.getOrder(Number(orderId))?.staff_notes).toBe(note);
    }
  });
});

describe("--resume matches the earlier results to the input", () => {
  const FIRST = GENERATED_FIRST_ID;

  it("with --map, matches rows by the mapped order_id column: nothing is redone, outcomes carry the order", async () => {
    const rows = 20;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const dir = await tempDir("bc-rel-resume-");
    const input = await writeCsv(
      join(dir, "erp.csv"),
      ["Order Number", "Notes"],
      Array.from({ length: rows }, (_, i) => [String(FIRST + i), `mapped ${i}`]),
    );
    const output = join(dir, "erp.results.csv");
    const read = { columnMap: { "Order Number": "order_id", Notes: "staff_notes" } };
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores, read });
    expect(first.byResult).toEqual({ updated: rows });

    const logBefore = sandbox.stats().requestLog.length;
    const seen: RowOutcome[] = [];
    const second = await runBatch({
      input,
      mode: "run",
      output,
      stores,
      read,
      resume: true,
      onRow: (outcome) => seen.push(outcome),
    });
    expect(second.byResult).toEqual({ updated: rows });
    expect(ordersTouched(sandbox, logBefore)).toEqual([]);
    expect(seen.map((outcome) => outcome.orderId)).toEqual(
      Array.from({ length: rows }, (_, i) => FIRST + i),
    );
  });

  it("redoes a row edited since the earlier run; a row written with a leading ' is still matched", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const dir = await tempDir("bc-rel-resume-");
    const header = ["order_id", "status_id", "staff_notes"];
    const file = join(dir, "orders.csv");
    const rows = [
      [String(FIRST), "Shiped", ""],
      // Starts like a formula: the results file shows it as '-5 units (csv-line.ts).
      [String(FIRST + 1), "", "-5 units, see =SUM(A1)"],
      [String(FIRST + 2), "", "plain"],
    ];
    const input = await writeCsv(file, header, rows);
    const output = join(dir, "orders.results.csv");
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores });
    expect(first.byResult).toEqual({ invalid: 1, updated: 2 });

    // The typo is fixed on the same line, for the same order.
    await writeCsv(file, header, [[String(FIRST), "Shipped", ""], ...rows.slice(1)]);
    const logBefore = sandbox.stats().requestLog.length;
    const second = await runBatch({ input, mode: "run", output, stores, resume: true });
    expect(second.byResult).toEqual({ updated: 3 });
    // Its read and its PUT (issue 12: every row reads its order first).
    expect([...new Set(ordersTouched(sandbox, logBefore))]).toEqual([FIRST]);
    expect(sandbox.store.getOrder(FIRST)?.status_id).toBe(2);
    const results = await readResults(output, { secrets: [sandbox.env.BIGCOMMERCE_ACCESS_TOKEN] });
    expect(results.rows.map((row) => row.result)).toEqual(["updated", "updated", "updated"]);
    expect(results.rows[1]?.staff_notes).toBe("'-5 units, see =SUM(A1)");
  });

  it("the summary counts what this run did; rows carried over reach onRow with their record's values", async () => {
    const rows = 6;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const dir = await tempDir("bc-rel-resume-");
    const { header, rows: data } = orderRows(rows, "shipment");
    const input = await writeCsv(join(dir, "tracking.csv"), header, data);
    const output = join(dir, "tracking.results.csv");
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores });
    expect(first.shipmentsCreated).toBe(rows);

    const seen: RowOutcome[] = [];
    const second = await runBatch({
      input,
      mode: "run",
      output,
      stores,
      resume: true,
      onRow: (outcome) => seen.push(outcome),
    });
    expect(second).toMatchObject({ rows, shipmentsCreated: 0, totalsChanged: 0 });
    expect(second.byResult).toEqual({ updated: rows });
    seen.forEach((outcome, i) => {
      const orderId = FIRST + i;
      const [shipment] = sandbox.store.listShipments(orderId);
      expect(outcome).toMatchObject({
        orderId,
        result: "updated",
        fieldsUpdated: ["shipment_created"],
        shipmentId: shipment?.id,
        orderStatusId: sandbox.store.getOrder(orderId)?.status_id,
      });
      expect(outcome.shipmentCreated).toBeFalsy();
    });
  });
});
