/**
 * Issue 11a: SIGHUP (the terminal or ssh session closed) stops a run like SIGTERM: rows in flight
 * finish, the rest are not_attempted, every row has a result, the lock is removed, exit 129.
 * Without a handler SIGHUP kills the process mid-run, leaving no result for the rows in flight.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
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

describe("SIGHUP", () => {
  it("stops the run gracefully: results for every row, lock removed, exit 129; --resume completes it", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 45 } }, latencyMs: 20 });
    const dir = await tempDir("bc-sighup-");
    const input = orderRows(45, "mixed");
    const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
    const output = join(dir, "orders.results.csv");
    const env = sandboxEnv(sandbox);
    const cli = spawnCli([file, "-o", output, "--concurrency", "4", "--quiet"], { env });
    await waitUntil(() => {
      const stats = sandbox.stats();
      // Only while the store is handling a request of the run: a row is in flight.
      if (stats.writesApplied < 5 || stats.requests === stats.requestLog.length) return false;
      cli.child.kill("SIGHUP");
      return true;
    });
    const run = await cli.result;
    expect(run.signal).toBe(null);
    const results = await readResults(output);
    const counts = checkInvariants({
      inputRows: 45,
      results,
      sandbox,
      run,
      expectCode: 129,
      input,
      allowedResults: ["updated", "not_attempted"],
    }).counts;
    expect(counts.not_attempted ?? 0).toBeGreaterThan(0);
    for (const row of results.rows) {
      expect(appliedInStore(sandbox, row), `line ${row.line}`).toBe(row.result === "updated");
    }
    expect(existsSync(`${output}.lock`)).toBe(false);

    const resumed = await runCli([file, "-o", output, "--resume", "--quiet"], { env });
    checkInvariants({
      inputRows: 45,
      results: await readResults(output),
      sandbox,
      run: resumed,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
  });
});
