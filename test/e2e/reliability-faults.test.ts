/**
 * Issue 4, "Retries and timeouts": the built CLI against a sandbox store that fails on purpose.
 * Reads and PUTs are retried through 5xx, resets and timeouts; a POST shipment with an unclear
 * outcome is reconciled by re-reading the order's shipments, never posted twice; when the outcome
 * cannot be known the row ends needs_review, and a later --resume settles it without a second
 * shipment. Time is scaled down with the hidden knobs (backoff, timeout, reconcile delay).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FaultKind, Sandbox } from "../../src/sandbox/index.js";
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

/** Fast retries: backoff in milliseconds instead of seconds. */
const FAST = ["--backoff-base-ms", "5", "--backoff-max-ms", "20", "--quiet"];

interface Input {
  header: string[];
  rows: string[][];
}

async function writeInput(input: Input): Promise<{ file: string; output: string }> {
  const dir = await tempDir("bc-rel-faults-");
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  return { file, output: join(dir, "orders.results.csv") };
}

/** Requests the sandbox answered under each injected fault kind. */
function faultCounts(sandbox: Sandbox): Partial<Record<FaultKind, number>> {
  const counts: Partial<Record<FaultKind, number>> = {};
  for (const entry of sandbox.stats().requestLog) {
    if (entry.fault !== undefined) counts[entry.fault] = (counts[entry.fault] ?? 0) + 1;
  }
  return counts;
}

/** The store holds exactly one shipment with each tracking number the input asks for. */
function expectOneShipmentPerRow(sandbox: Sandbox, input: Input): void {
  for (const row of input.rows) {
    const [orderId, , , tracking] = row;
    if (!tracking) continue;
    const found = sandbox.store
      .listShipments(Number(orderId))
      .filter((shipment) => shipment.tracking_number === tracking);
    expect(found, `order ${orderId} tracking ${tracking}`).toHaveLength(1);
  }
}

/** Every row's change is in the store: status, note, or shipment. */
function expectApplied(sandbox: Sandbox, input: Input): void {
  for (const [orderId, status, note] of input.rows) {
    const order = sandbox.store.getOrder(Number(orderId));
    if (status) expect(order?.status_id, `order ${orderId} status`).toBe(Number(status));
    if (note) expect(order?.staff_notes, `order ${orderId} note`).toBe(note);
  }
  expectOneShipmentPerRow(sandbox, input);
}

describe("recovery from transient failures", () => {
  it("retries reads and PUTs through 5xx, resets and timeouts; re-posts only an absent shipment", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 30 } },
      // Each route fails at most 4 times in all, so no request can use up its 5 attempts, whatever
      // the interleaving of the workers. Shipment rows are every third row (orders 100002, 100005, …).
      faults: [
        { route: "order_statuses", kind: "status", status: 502, schedule: { count: 1 } },
        { route: "order", kind: "status", status: 503, schedule: { every: 3, count: 9 } },
        { route: "order", kind: "reset", schedule: { from: 10, count: 1 } },
        { method: "PUT", kind: "status", status: 500, schedule: { every: 3, count: 6 } },
        { method: "PUT", kind: "reset", schedule: { from: 8, count: 1 } },
        // No answer at all: the client's --timeout ends the attempt.
        { method: "PUT", kind: "hang", schedule: { from: 10, count: 1 } },
        { route: "shipments", kind: "status", status: 504, schedule: { every: 3, count: 9 } },
        { route: "shipping_addresses", kind: "reset", schedule: { every: 3, count: 9 } },
        { route: "products", kind: "hang", schedule: { every: 4, count: 8 } },
        // Failures of a POST that was NOT applied: the re-read finds nothing, so it posts again.
        { method: "POST", orderId: 100002, kind: "status", status: 503, schedule: { count: 1 } },
        { method: "POST", orderId: 100005, kind: "reset", schedule: { count: 1 } },
        { method: "POST", orderId: 100008, kind: "hang", schedule: { count: 1 } },
        { method: "POST", orderId: 100011, kind: "status", status: 504, schedule: { count: 2 } },
      ],
    });
    const input = orderRows(30, "mixed");
    const { file, output } = await writeInput(input);
    const run = await runCli(
      [
        file,
        "-o",
        output,
        ...FAST,
        "--timeout",
        "0.5",
        "--reconcile-delay-ms",
        "20",
        "--retry-budget",
        "200",
        "--json",
        // The faults are scheduled on the per-order read routes (bulk reads: reliability-bulk-reads).
        "--reads",
        "per-order",
      ],
      { env: sandboxEnv(sandbox) },
    );
    const summary = checkInvariants({
      inputRows: 30,
      results: await readResults(output),
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(summary.shipmentsCreated).toBe(10);
    expectApplied(sandbox, input);
    // The faults really happened, and the client retried through them.
    const counts = faultCounts(sandbox);
    expect(counts.status).toBeGreaterThanOrEqual(12);
    expect(counts.reset).toBeGreaterThanOrEqual(5);
    expect(counts.hang).toBeGreaterThanOrEqual(3);
    // Each POST that failed unapplied was sent again once the re-read found nothing.
    expect(sandbox.stats().byRoute.shipment_post).toBe(10 + 5);
    const json = JSON.parse(run.stdout) as { retries: number; stop_reason: unknown };
    expect(json.retries).toBeGreaterThanOrEqual(12);
    expect(json.stop_reason).toBeNull();
  });

  it("applied then 502 on PUT: the PUT is repeated (absolute values) and the row is updated", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 10 } },
      // The first PUT of orders 100000-100004 is applied, then answered 502.
      faults: [0, 1, 2, 3, 4].map((i) => ({
        method: "PUT" as const,
        orderId: 100000 + i,
        kind: "applied_then_status" as const,
        status: 502,
        schedule: { count: 1 },
      })),
    });
    const input = orderRows(10, "note");
    const { file, output } = await writeInput(input);
    const run = await runCli([file, "-o", output, ...FAST], { env: sandboxEnv(sandbox) });
    const results = await readResults(output);
    checkInvariants({
      inputRows: 10,
      results,
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(results.rows.map((row) => row.fields_updated)).toEqual(Array(10).fill("staff_notes"));
    expectApplied(sandbox, input);
    expect(faultCounts(sandbox).applied_then_status).toBe(5);
    // The 5 PUTs answered 502 after being applied were sent again: 15 PUTs for 10 rows.
    expect(sandbox.stats().byRoute.order_put).toBe(15);
  });

  it("applied then 5xx on POST: the re-read finds the shipment, which is never posted twice", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 8 } },
      faults: [
        { method: "POST", kind: "applied_then_status", status: 502, schedule: { count: 4 } },
        { method: "POST", kind: "applied_then_status", status: 500, schedule: { from: 4 } },
      ],
    });
    const input = orderRows(8, "shipment");
    const { file, output } = await writeInput(input);
    const run = await runCli([file, "-o", output, ...FAST, "--reconcile-delay-ms", "10"], {
      env: sandboxEnv(sandbox),
    });
    const results = await readResults(output);
    const summary = checkInvariants({
      inputRows: 8,
      results,
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(summary.shipmentsCreated).toBe(8);
    expectOneShipmentPerRow(sandbox, input);
    // One POST per row: every answer was an error, and none was repeated.
    expect(sandbox.stats().byRoute.shipment_post).toBe(8);
    expect(faultCounts(sandbox).applied_then_status).toBe(8);
    for (const row of results.rows) {
      const created = sandbox.store.listShipments(Number(row.order_id));
      expect(row.fields_updated).toBe("shipment_created");
      expect(row.shipment_id).toBe(String(created[0]?.id));
    }
  });

  it("a POST that times out and is applied late is found by the re-read after the reconcile delay", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 3 } },
      // The store applies the POST 300 ms after it arrives; the client gives up after 100 ms and
      // re-reads the shipments 1 s later.
      faults: [{ method: "POST", kind: "latency", latencyMs: 300, schedule: { count: 2 } }],
    });
    const input = orderRows(3, "shipment");
    const { file, output } = await writeInput(input);
    const run = await runCli(
      [file, "-o", output, ...FAST, "--timeout", "0.1", "--reconcile-delay-ms", "1000"],
      { env: sandboxEnv(sandbox) },
    );
    const results = await readResults(output);
    checkInvariants({
      inputRows: 3,
      results,
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expectOneShipmentPerRow(sandbox, input);
    expect(sandbox.stats().byRoute.shipment_post).toBe(3);
    expect(results.rows.map((row) => row.fields_updated)).toEqual(
      Array(3).fill("shipment_created"),
    );
  });
});

describe("an outcome that cannot be known", () => {
  it("ends needs_review, never a second shipment; --resume settles it later", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 3 } },
      faults: [
        { method: "POST", kind: "applied_then_status", status: 502 },
        // The planning read (first GET shipments) works; every re-read after the POST fails.
        { route: "shipments", method: "GET", kind: "status", status: 503, schedule: { from: 1 } },
      ],
    });
    const input = {
      header: orderRows(1, "note").header,
      rows: [
        ...orderRows(1, "note", { firstId: 100000 }).rows,
        ...orderRows(1, "shipment", { firstId: 100001 }).rows,
        ...orderRows(1, "status", { firstId: 100002 }).rows,
      ],
    };
    const { file, output } = await writeInput(input);
    const env = sandboxEnv(sandbox);
    // The per-order flow plans on a GET shipments; bulk reads skip it (reliability-bulk-reads).
    const args = [
      file,
      "-o",
      output,
      ...FAST,
      "--max-attempts",
      "2",
      "--reconcile-delay-ms",
      "5",
      "--reads",
      "per-order",
    ];

    const first = await runCli(args, { env });
    const before = await readResults(output);
    checkInvariants({ inputRows: 3, results: before, sandbox, run: first, expectCode: 1, input });
    expect(before.rows.map((row) => row.result)).toEqual(["updated", "needs_review", "updated"]);
    expect(before.rows[1]).toMatchObject({
      success: "false",
      fields_updated: "",
      shipment_id: "",
      error_code: "E_HTTP_STATUS",
    });
    // A person checks the order in the control panel: the message names the tracking number.
    expect(before.rows[1]?.message).toContain("1ZE2EA0000001");
    expect(sandbox.store.listShipments(100001)).toHaveLength(1);

    // The store is healthy again: resume redoes only the needs_review row and finds the shipment.
    sandbox.setFaults([]);
    const logBefore = sandbox.stats().requestLog.length;
    const resumed = await runCli([...args, "--resume"], { env });
    const after = await readResults(output);
    checkInvariants({ inputRows: 3, results: after, sandbox, run: resumed, expectCode: 0, input });
    expect(after.rows.map((row) => row.result)).toEqual(["updated", "unchanged", "updated"]);
    expect(after.rows[1]?.shipment_id).toBe(String(sandbox.store.listShipments(100001)[0]?.id));
    expect(sandbox.store.listShipments(100001)).toHaveLength(1);
    // Rows already done were carried over, not sent again.
    const log = sandbox.stats().requestLog.slice(logBefore);
    expect(log.some((entry) => entry.orderId === 100000 || entry.orderId === 100002)).toBe(false);
    expect(log.some((entry) => entry.route === "shipment_post")).toBe(false);
  });
});
