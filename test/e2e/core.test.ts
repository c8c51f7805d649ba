import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  tempDir,
} from "../helpers/cli.js";

/**
 * Issue #2 "Done when": the built CLI, as a child process, against the sandbox store, on
 * samples/orders.csv (every row kind); checks the results file and the store's final state.
 */
let sandbox: Sandbox;
let dir: string;
let input: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  dir = await tempDir("bc-core-");
  input = join(dir, "orders.csv");
  await copyFile(join(REPO_ROOT, "samples/orders.csv"), input);
});

afterEach(async () => {
  await sandbox.close();
});

const byLine = (rows: Record<string, string>[]) =>
  new Map(rows.map((row) => [Number(row.line), row]));

describe("bc-order-batch on samples/orders.csv", () => {
  it("applies every row kind and reports each row", async () => {
    const before = new Map(sandbox.store.orderIds().map((id) => [id, sandbox.store.getOrder(id)]));
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1); // some sample rows fail on purpose

    const results = await readResults(join(dir, "orders.results.csv"));
    checkInvariants({ inputRows: 16, results, sandbox });
    const rows = byLine(results.rows);
    const expectRow = (line: number, fields: Record<string, string>) =>
      expect(rows.get(line), `line ${line}`).toMatchObject(fields);

    // The four examples of the single-order module.
    expectRow(2, {
      order_id: "12345",
      result: "updated",
      success: "true",
      fields_updated: "status_id",
      order_status_id: "2",
    });
    expectRow(3, { result: "updated", fields_updated: "staff_notes" });
    expectRow(4, {
      result: "updated",
      fields_updated: "shipment_created;status_id",
      order_status_id: "2",
      order_status: "Shipped",
    });
    expectRow(5, {
      result: "updated",
      fields_updated:
        "billing_first_name;billing_last_name;billing_street;billing_city;billing_zip;billing_country",
    });
    expect(rows.get(5)?.message).toContain("recalculated the order totals");
    // Status by name, customer message, shipment + status + notes, chosen address.
    expectRow(6, { order_id: "12346", result: "updated", order_status_id: "9" });
    expectRow(7, { result: "updated", fields_updated: "customer_message" });
    expectRow(8, {
      result: "updated",
      fields_updated: "shipment_created;status_id;staff_notes",
      order_status_id: "10",
    });
    expectRow(9, { result: "updated", fields_updated: "shipment_created", order_status_id: "3" });
    // Rows that fail against the order, with a reason, and nothing written.
    expectRow(10, { result: "failed", success: "false", error_code: "E_SEVERAL_ADDRESSES" });
    expectRow(11, { result: "failed", error_code: "E_NO_SHIPPING_ADDRESS" });
    expectRow(14, { order_id: "99999", result: "failed", error_code: "E_ORDER_NOT_FOUND" });
    // Invalid rows carry the code of the check that refused them.
    expectRow(15, { result: "invalid", error_code: "E_UNKNOWN_STATUS" });
    expectRow(16, { result: "invalid", error_code: "E_EMAIL" });
    // Re-shipping the same tracking number: no second shipment, the existing one is reported.
    expectRow(17, { result: "unchanged", shipment_id: rows.get(4)?.shipment_id as string });

    // The store's final state.
    const o12345 = sandbox.store.getOrder(12345);
    expect(o12345).toMatchObject({ status_id: 2, staff_notes: "VIP customer - High priority" });
    expect(o12345?.billing_address).toMatchObject({
      first_name: "Juan",
      last_name: "Perez",
      street_1: "Calle Nueva 456",
      city: "Madrid",
      zip: "28002",
      country: "Spain",
      country_iso2: "ES",
      // Fields the row did not name are kept.
      email: before.get(12345)?.billing_address.email,
    });
    const shipments12345 = sandbox.store.listShipments(12345);
    expect(shipments12345).toHaveLength(1);
    expect(shipments12345[0]).toMatchObject({
      tracking_number: "1Z999AA10123456784",
      shipping_provider: "ups",
      tracking_carrier: "ups",
      order_address_id: 1001,
    });
    const lines12345 = sandbox.store.listProducts(12345);
    expect(shipments12345[0]?.items?.map((item) => [item.order_product_id, item.quantity])).toEqual(
      lines12345.map((line) => [line.id, line.quantity]),
    );

    expect(sandbox.store.getOrder(12346)?.status_id).toBe(9);
    expect(sandbox.store.getOrder(12347)?.customer_message).toBe(
      "Please leave the parcel with the neighbour at no. 12",
    );
    const o12348 = sandbox.store.getOrder(12348);
    expect(o12348).toMatchObject({ status_id: 10, staff_notes: "Packed by Ana" });
    const new12348 = sandbox.store
      .listShipments(12348)
      .find((s) => s.tracking_number === "794612345678");
    expect(new12348).toMatchObject({
      shipping_provider: "fedex",
      tracking_carrier: "fedex",
      order_address_id: 1002,
    });
    // Only what was left to ship of the physical lines; the digital line is never shipped.
    const physical12348 = sandbox.store
      .listProducts(12348)
      .filter((line) => line.type === "physical");
    expect(physical12348.every((line) => line.quantity_shipped === line.quantity)).toBe(true);
    expect(new12348?.items?.map((item) => item.quantity).reduce((a, b) => a + b)).toBe(3);
    expect(sandbox.store.listShipments(12349).map((s) => s.order_address_id)).toEqual([1004]);
    expect(sandbox.store.getOrder(12352)?.billing_address).toMatchObject({
      first_name: "Marie",
      country_iso2: "FR",
      email: "marie.curie@example.fr",
    });

    // Failing rows changed nothing.
    for (const id of [12350, 12351]) {
      expect(sandbox.store.getOrder(id)).toEqual(before.get(id));
      expect(sandbox.store.listShipments(id)).toEqual([]);
    }
    expect(sandbox.store.hasOrder(99999)).toBe(false);

    // The failed-rows file holds the input columns of the rows to fix, ready to feed back in.
    const failed = await readResults(join(dir, "orders.results.failed.csv"));
    expect(failed.header).toEqual(results.header.slice(0, failed.header.length));
    expect(failed.rows.map((row) => row.order_id)).toEqual([
      "12350",
      "12351",
      "99999",
      "12346",
      "12347",
    ]);
  });

  it("re-running the whole file creates no second shipment", async () => {
    const env = sandboxEnv(sandbox);
    await runCli([input, "--quiet"], { env });
    const shipments = sandbox.store.createdShipments().length;
    const again = await runCli([input, "--quiet"], { env });
    expect(again.code).toBe(1);
    expect(sandbox.store.createdShipments()).toHaveLength(shipments);
    const rows = byLine((await readResults(join(dir, "orders.results.csv"))).rows);
    expect(rows.get(4)).toMatchObject({ fields_updated: "status_id" });
    expect(rows.get(4)?.message).toContain("already exists");
    // A billing change already applied is not sent again.
    expect(rows.get(5)).toMatchObject({ result: "unchanged", fields_updated: "" });
  });

  it("a status-only row costs one request", async () => {
    const file = join(dir, "status.csv");
    await writeFile(file, "order_id,status_id\n12346,Completed\n");
    const startRequests = sandbox.stats().requests;
    const run = await runCli([file, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(0);
    // One GET /order_statuses per run, then one PUT for the row.
    expect(sandbox.stats().requests - startRequests).toBe(2);
    expect(sandbox.stats().byRoute).toMatchObject({ order_statuses: 1, order_put: 1 });
  });
});

describe("npm run demo", () => {
  it("runs the sample batch against an in-process sandbox and explains each row", async () => {
    const run = await runCli(["demo"], { env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("16 rows: updated 10, failed 3, invalid 2, unchanged 1");
    expect(run.stdout).toMatch(/ {3}4 {2}12345 {2}updated {7}shipment_created, status_id/);
    const results = await readResults(join(REPO_ROOT, "samples/orders.results.csv"));
    checkInvariants({ inputRows: 16, results });
  });
});
