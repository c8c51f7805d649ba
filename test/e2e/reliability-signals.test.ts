/**
 * Issue 4, graceful stop: SIGINT/SIGTERM stop starting rows, let the rows in flight finish (within
 * --grace), write a result for every row and exit 130/143; a second SIGINT exits at once; after an
 * expired grace period, or a hard exit, --resume completes the results without a second shipment.
 * Signals are sent while the sandbox is known to be handling a request of the run, so there is
 * always a row in flight to finish.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RequestLogEntry, Sandbox } from "../../src/sandbox/index.js";
import { createRandom, randomInt } from "../../src/sandbox/random.js";
import {
  checkInvariants,
  orderRows,
  type Results,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  summaryCounts,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

/** Where signals land: a seeded draw, so a failure can be replayed. */
const random = createRandom(20_260_4);

interface Input {
  header: string[];
  rows: string[][];
}

async function writeInput(input: Input) {
  const dir = await tempDir("bc-rel-signals-");
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  return { file, output: join(dir, "orders.results.csv") };
}

/** Whether the store holds the row's change (status, note or shipment). */
function appliedInStore(sandbox: Sandbox, row: Record<string, string>): boolean {
  const orderId = Number(row.order_id);
  if (row.tracking_number) {
    return sandbox.store
      .listShipments(orderId)
      .some((shipment) => shipment.tracking_number === row.tracking_number);
  }
  const order = sandbox.store.getOrder(orderId);
  if (row.staff_notes) return order?.staff_notes === row.staff_notes;
  return order?.status_id === Number(row.status_id);
}

/** The requests the sandbox was handling when the snapshot (arrivals, answers) was taken. */
function inFlightAt(log: readonly RequestLogEntry[], arrived: number, answered: number) {
  const done = new Set(log.slice(0, answered)); // the log is in the order requests ended
  return [...log]
    .sort((a, b) => a.t - b.t)
    .slice(0, arrived)
    .filter((entry) => !done.has(entry));
}

/**
 * Resolves once `busy` requests have been in flight at the sandbox for 150 ms with no new request:
 * every worker is stuck on a hung request.
 */
async function workersStuck(sandbox: Sandbox, busy: number, ready: () => boolean): Promise<void> {
  let seen = -1;
  let since = 0;
  await waitUntil(() => {
    const stats = sandbox.stats();
    if (!ready() || stats.requests - stats.requestLog.length < busy) return false;
    if (stats.requests !== seen) {
      seen = stats.requests;
      since = performance.now();
      return false;
    }
    return performance.now() - since >= 150;
  });
}

/** Every request of the run has ended (a killed client's sockets close a moment later). */
async function settled(sandbox: Sandbox): Promise<RequestLogEntry[]> {
  await waitUntil(() => {
    const stats = sandbox.stats();
    return stats.requestLog.length === stats.requests;
  });
  return sandbox.stats().requestLog;
}

function expectOneShipmentPerRow(sandbox: Sandbox, results: Results): void {
  for (const row of results.rows.filter((r) => r.tracking_number)) {
    const found = sandbox.store
      .listShipments(Number(row.order_id))
      .filter((shipment) => shipment.tracking_number === row.tracking_number);
    expect(found, `line ${row.line}`).toHaveLength(1);
  }
}

describe("graceful stop", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "%s: rows in flight finish, the rest are not_attempted, exit %i",
    async (signal, code) => {
      const sandbox = await startE2eSandbox({
        seed: { generate: { orders: 45 } },
        latencyMs: 20,
      });
      const input = orderRows(45, "mixed");
      const { file, output } = await writeInput(input);
      const cli = spawnCli([file, "-o", output, "--concurrency", "4", "--quiet"], {
        env: sandboxEnv(sandbox),
      });
      const after = randomInt(random, 3, 15);
      let snapshot = { arrived: 0, answered: 0 };
      await waitUntil(() => {
        const stats = sandbox.stats();
        // Signal only while the store is handling a request of the run: that row is in flight.
        if (stats.writesApplied < after || stats.requests === stats.requestLog.length) return false;
        cli.child.kill(signal);
        snapshot = { arrived: stats.requests, answered: stats.requestLog.length };
        return true;
      });
      const run = await cli.result;
      const log = await settled(sandbox);

      const results = await readResults(output);
      const summary = checkInvariants({
        inputRows: 45,
        results,
        sandbox,
        run,
        expectCode: code,
        input,
        allowedResults: ["updated", "not_attempted"],
      });
      expect(summary.counts.not_attempted ?? 0).toBeGreaterThan(0);
      // No row half done: a row is updated with its change in the store, or was never touched.
      const touched = new Set(log.map((entry) => entry.orderId));
      for (const row of results.rows) {
        const applied = appliedInStore(sandbox, row);
        expect(applied, `line ${row.line} ${row.result}`).toBe(row.result === "updated");
        expect(touched.has(Number(row.order_id)), `line ${row.line}`).toBe(
          row.result === "updated",
        );
      }
      // The rows that were in flight when the signal came were finished, not dropped.
      const inFlight = inFlightAt(log, snapshot.arrived, snapshot.answered).filter(
        (entry) => entry.orderId !== undefined,
      );
      expect(inFlight.length).toBeGreaterThan(0);
      const byOrder = new Map(results.rows.map((row) => [Number(row.order_id), row]));
      for (const entry of inFlight) {
        expect(byOrder.get(entry.orderId as number)?.result, `order ${entry.orderId}`).toBe(
          "updated",
        );
      }
    },
  );

  it("after --grace runs out, rows still in flight end needs_review; --resume completes them", async () => {
    // Shipment rows whose POST never gets an answer: they cannot finish within the grace period.
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 12 } },
      latencyMs: 5,
      faults: [{ method: "POST", kind: "hang", schedule: { from: 4 } }],
    });
    const input = orderRows(12, "shipment");
    const { file, output } = await writeInput(input);
    const env = sandboxEnv(sandbox);
    const args = [file, "-o", output, "--concurrency", "2", "--quiet", "--grace", "0.3"];
    const cli = spawnCli(args, { env });
    // Both workers are waiting on a hung POST.
    await workersStuck(sandbox, 2, () => (sandbox.stats().byRoute.shipment_post ?? 0) >= 4);
    cli.child.kill("SIGTERM");
    const run = await cli.result;
    const first = await readResults(output);
    const counts = checkInvariants({
      inputRows: 12,
      results: first,
      sandbox,
      run,
      expectCode: 143,
      input,
      allowedResults: ["updated", "needs_review", "not_attempted"],
    }).counts;
    expect(counts).toEqual({ updated: 4, needs_review: 2, not_attempted: 6 });
    for (const row of first.rows.filter((r) => r.result === "needs_review")) {
      expect(row.error_code, `line ${row.line}`).toBe("E_ABORTED");
      // A person checks the order in the control panel: the message names what to look for.
      expect(row.message).toContain(row.tracking_number);
    }

    sandbox.setFaults([]);
    const resumed = await runCli([...args, "--resume"], { env });
    const final = await readResults(output);
    const summary = checkInvariants({
      inputRows: 12,
      results: final,
      sandbox,
      run: resumed,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(summary.shipmentsCreated).toBe(12);
    expectOneShipmentPerRow(sandbox, final);
    // The rows done before were carried over as they were.
    first.rows.forEach((row, i) => {
      if (row.result === "updated") expect(final.records[i]).toEqual(first.records[i]);
    });
  });

  it("a second SIGINT exits at once; --resume then completes the results", async () => {
    // Notes go through; shipment POSTs hang, so the first SIGINT alone would wait the whole grace.
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 12 } },
      latencyMs: 5,
      faults: [{ method: "POST", kind: "hang" }],
    });
    const notes = orderRows(6, "note");
    const shipments = orderRows(6, "shipment", { firstId: 100006 });
    const input = { header: notes.header, rows: [...notes.rows, ...shipments.rows] };
    const { file, output } = await writeInput(input);
    const env = sandboxEnv(sandbox);
    // --json: the exit is reported as a code on stdout.
    const args = [file, "-o", output, "--concurrency", "2", "--grace", "30", "--json"];
    const cli = spawnCli(args, { env });
    await workersStuck(sandbox, 2, () => (sandbox.stats().byRoute.order_put ?? 0) >= 6);
    cli.child.kill("SIGINT");
    // The CLI acknowledges the first signal (its line starts with the signal's name).
    await cli.waitForOutput(/^SIGINT: /m);
    const second = performance.now();
    cli.child.kill("SIGINT");
    const run = await cli.result;
    // "At once": far below the 30 s grace period the first SIGINT alone would have waited.
    expect(performance.now() - second).toBeLessThan(10_000);
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({
      error: { code: "E_INTERRUPTED" },
      exit_code: 130,
    });
    await settled(sandbox);
    expect(sandbox.store.createdShipments()).toHaveLength(0);

    sandbox.setFaults([]);
    const resumed = await runCli([...args, "--resume", "--quiet"], { env });
    const final = await readResults(output);
    const summary = checkInvariants({
      inputRows: 12,
      results: final,
      sandbox,
      run: resumed,
      expectCode: 0,
      input,
      allowedResults: ["updated", "unchanged"],
    });
    expect(summary.shipmentsCreated).toBe(6);
    expectOneShipmentPerRow(sandbox, final);
    for (const row of final.rows)
      expect(appliedInStore(sandbox, row), `line ${row.line}`).toBe(true);
  });
});

describe("-o - into a reader that stops early (| head)", () => {
  it("validate: the CLI stops, prints its summary on stderr and exits 130", async () => {
    const dir = await tempDir("bc-rel-signals-");
    const total = 100_000;
    const rows = Array.from({ length: total }, (_, i) => [String(i + 1), `n${i}`]);
    const input = await writeCsv(join(dir, "big.csv"), ["order_id", "staff_notes"], rows);
    const cli = spawnCli(["validate", input, "-o", "-"]);
    await cli.waitForOutput(/,valid,/, "stdout");
    cli.child.stdout?.destroy();
    const run = await cli.result;
    // 130, not 1 (an unhandled rejection) nor 13 (an unsettled top-level await).
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    const summary = summaryCounts(run.stderr);
    // Stopped: the summary counts the rows read before the reader went away, not the whole file.
    expect(summary?.rows).toBeLessThan(total);
    expect(summary?.counts.valid).toBe(summary?.rows);
  });

  it("a run: stops starting rows once stdout is gone, summary on stderr, exit 130", async () => {
    const rows = 600;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } }, latencyMs: 5 });
    const dir = await tempDir("bc-rel-signals-");
    const { header, rows: data } = orderRows(rows, "note");
    const input = await writeCsv(join(dir, "orders.csv"), header, data);
    const cli = spawnCli([input, "-o", "-", "--concurrency", "2"], { env: sandboxEnv(sandbox) });
    await cli.waitForOutput(/,updated,/, "stdout");
    cli.child.stdout?.destroy();
    const run = await cli.result;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    const summary = summaryCounts(run.stderr);
    expect(summary?.rows).toBe(rows);
    expect(summary?.counts.not_attempted ?? 0).toBeGreaterThan(rows / 2);
    expect(sandbox.stats().writesApplied).toBeLessThan(rows / 2);
  });
});
