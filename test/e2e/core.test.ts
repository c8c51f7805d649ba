import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SAMPLES } from "../../src/commands/demo.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  summaryCounts,
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
    const run = await runCli([input, "--quiet", "--json"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1); // some sample rows fail on purpose
    expect(JSON.parse(run.stdout)).toMatchObject({
      rows: 16,
      // Line 13's status is already Shipped (issue 12: only what changes is written).
      by_result: { updated: 9, failed: 3, invalid: 2, unchanged: 2 },
      shipments_created: 3,
      totals_changed: 2,
    });

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
    // Line 2 set Shipped already: the shipment is created, the status is not sent again.
    expectRow(4, {
      result: "updated",
      fields_updated: "shipment_created",
      order_status_id: "2",
      order_status: "Shipped",
    });
    expectRow(5, {
      result: "updated",
      fields_updated:
        "billing_first_name;billing_last_name;billing_street;billing_city;billing_zip;billing_country",
    });
    // BigCommerce recalculated the totals (the billing country changed the tax): the row's message
    // names each total that changed, with its new value, for the person reading the results.
    const totals = ["subtotal_inc_tax", "total_inc_tax", "total_tax"] as const;
    const after12345 = sandbox.store.getOrder(12345);
    for (const field of totals) {
      expect(after12345?.[field], field).not.toBe(before.get(12345)?.[field]);
      expect(rows.get(5)?.message).toContain(field);
      expect(rows.get(5)?.message).toContain(String(after12345?.[field]));
    }
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
    // A shipment that exists and a status the order has: nothing written.
    expectRow(13, { result: "unchanged", fields_updated: "", order_status_id: "2" });

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
    const first = byLine((await readResults(join(dir, "orders.results.csv"))).rows);
    const again = await runCli([input, "--quiet"], { env });
    expect(again.code).toBe(1);
    expect(sandbox.store.createdShipments()).toHaveLength(shipments);
    const rows = byLine((await readResults(join(dir, "orders.results.csv"))).rows);
    // The shipment is there already: the row reports it (its id), and creates none; the status
    // is already Shipped, so nothing is sent (issue 12).
    expect(rows.get(4)).toMatchObject({
      result: "unchanged",
      fields_updated: "",
      shipment_id: first.get(4)?.shipment_id,
    });
    expect(first.get(4)?.shipment_id).toMatch(/^\d+$/);
    // A billing change already applied is not sent again.
    expect(rows.get(5)).toMatchObject({ result: "unchanged", fields_updated: "" });
  });

  it("a status-only row costs one read and one PUT; a re-run only the read (issue 12)", async () => {
    const file = join(dir, "status.csv");
    await writeFile(file, "order_id,status_id\n12346,Completed\n");
    const startRequests = sandbox.stats().requests;
    const run = await runCli([file, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(0);
    // One GET /order_statuses per run, the order read with its consignments, one PUT.
    expect(sandbox.stats().requests - startRequests).toBe(3);
    expect(sandbox.stats().byRoute).toEqual({ order_statuses: 1, order: 1, order_put: 1 });
    const again = await runCli([file, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(again.code).toBe(0);
    expect(sandbox.stats().byRoute).toEqual({ order_statuses: 2, order: 2, order_put: 1 });
  });

  it("--reads per-order keeps the older cost: one PUT and no read for a status row", async () => {
    const file = join(dir, "status.csv");
    await writeFile(file, "order_id,status_id\n12346,Completed\n");
    const run = await runCli([file, "--quiet", "--reads", "per-order"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code).toBe(0);
    expect(sandbox.stats().byRoute).toEqual({ order_statuses: 1, order_put: 1 });
  });
});

describe("npm run demo", () => {
  it("runs each sample against an in-process sandbox and explains each row", async () => {
    const run = await runCli(["demo"], { env: {} });
    expect(run.code).toBe(0);
    // One section per sample file: its table, then its summary.
    const sections = run.stdout.split(/^Input: /m).slice(1);
    expect(sections.map((section) => section.split("\n")[0])).toEqual(
      DEMO_SAMPLES.map((sample) => join(REPO_ROOT, "samples", sample.file)),
    );
    const [orders, shipstation, split] = sections as [string, string, string];
    expect(summaryCounts(orders)).toEqual({
      rows: 16,
      counts: { updated: 9, failed: 3, invalid: 2, unchanged: 2 },
    });
    for (const [section, sample] of [
      [orders, "orders"],
      [shipstation, "shipstation-export"],
      [split, "split-parcels"],
    ] as const) {
      const results = await readResults(join(REPO_ROOT, `samples/${sample}.results.csv`));
      checkInvariants({ inputRows: results.rows.length, results });
      // One table line per row: its line, order and result, as the results file has them.
      const table = [...section.matchAll(/^ *(\d+) {2}(\d+) {2}([a-z_]+) /gm)].map((m) =>
        m.slice(1, 4),
      );
      // The order is each file's first column (order_id, or ShipStation's "Order - Number").
      expect(table).toEqual(
        results.rows.map((row, i) => [row.line, results.records[i]?.[0], row.result]),
      );
    }
    // The export's rows ship with no flags: its headers, carriers and tracking numbers as they come.
    const exported = await readResults(join(REPO_ROOT, "samples/shipstation-export.results.csv"));
    expect(exported.rows.map((row) => row.result)).toEqual(["updated", "updated", "updated"]);
    expect(exported.rows.map((row) => row.fields_updated)).toEqual([
      "shipment_created",
      "shipment_created",
      "shipment_created",
    ]);
    // Split parcels: lines 2 and 5 are one shipment; the last order was shipped by another app.
    const parcels = await readResults(join(REPO_ROOT, "samples/split-parcels.results.csv"));
    expect(parcels.rows.map((row) => [row.result, row.fields_updated, row.error_code])).toEqual([
      ["updated", "shipment_created", ""],
      ["updated", "shipment_created", ""],
      ["updated", "shipment_created", ""],
      ["unchanged", "", ""],
      ["already_shipped", "", ""],
    ]);
    const ids = parcels.rows.map((row) => row.shipment_id);
    expect(ids[3]).toBe(ids[0]);
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(ids[4]).toBe("501");
  });
});
