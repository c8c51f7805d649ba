// Bulk reads (issue 12), end to end: the built CLI against the sandbox, requests counted at the
// store. Range reads for dense ids, single reads for isolated ones, each caveat's fallback
// (docs/bigcommerce-api.md §6, §11), rows of one order planning on each other, re-runs writing nothing.
import { afterEach, describe, expect, it } from "vitest";
import {
  type FaultRule,
  GENERATED_FIRST_ID,
  generateSeed,
  type Sandbox,
  type SandboxOptions,
  type SeedOrder,
} from "../../src/sandbox/index.js";
import { runRows, startE2eSandbox } from "../helpers/cli.js";

const FAST = ["--backoff-base-ms", "5", "--backoff-max-ms", "20", "--quiet"];
const SHIP_HEADER = [
  "order_id",
  "status_id",
  "tracking_number",
  "shipping_provider",
  "order_address_id",
];

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startE2eSandbox(options);
  return sandbox;
}

async function run(
  store: Sandbox,
  header: string[],
  rows: string[][],
  extra: string[] = [],
  expectCode = 0,
) {
  const { results, requests, file, output } = await runRows(
    store,
    header,
    rows,
    [...FAST, ...extra],
    expectCode,
  );
  const log = requests.filter((e) => e.route !== "order_statuses");
  const count = (route: string) => log.filter((e) => e.route === route).length;
  const writes = log.filter((e) => e.method !== "GET").length;
  return { results, log, count, writes, file, output };
}

/** A seed order with `lines` physical lines on one address (for the 50-line cap). */
function bigOrder(id: number, lines: number): SeedOrder {
  const base = generateSeed(1).orders[0] as SeedOrder;
  const addressId = id * 10 + 1;
  return {
    ...base,
    id,
    status_id: 11,
    shipments: [],
    shipping_addresses: [{ ...base.billing_address, id: addressId }],
    products: Array.from({ length: lines }, (_, i) => ({
      id: id * 1000 + i,
      product_id: 100 + i,
      name: `Line ${i}`,
      sku: `SKU-${i}`,
      type: "physical" as const,
      order_address_id: addressId,
      quantity: 1,
      quantity_shipped: 0,
      price_ex_tax: "1.0000",
    })),
  };
}

describe("range and single reads", () => {
  it("dense ids: one range read for all rows, one PUT per row; a re-run writes nothing", async () => {
    const store = await start({ seed: { generate: { orders: 300 } } });
    const rows = Array.from({ length: 200 }, (_, i) => [String(GENERATED_FIRST_ID + i), "10"]);
    const first = await run(store, ["order_id", "status_id"], rows);
    expect(first.count("orders")).toBe(1);
    expect(first.count("order")).toBe(0);
    expect(first.count("order_put")).toBe(200);
    expect(first.results.rows.every((row) => row.result === "updated")).toBe(true);
    const again = await run(store, ["order_id", "status_id"], rows);
    expect(again.writes).toBe(0);
    expect(again.count("orders")).toBe(1);
    expect(again.results.rows.every((row) => row.result === "unchanged")).toBe(true);
    expect(again.results.rows.every((row) => row.order_status_id === "10")).toBe(true);
  });

  it("isolated ids: one GET /orders/{id} each, no range; a missing order in a range is a 404", async () => {
    const store = await start({ seed: { generate: { orders: 2000 } } });
    const ids = [0, 700, 1400].map((n) => String(GENERATED_FIRST_ID + n));
    const sparse = await run(
      store,
      ["order_id", "status_id"],
      ids.map((id) => [id, "10"]),
    );
    expect(sparse.count("order")).toBe(3);
    expect(sparse.count("orders")).toBe(0);
    // 1 and 3 exist, 5000 past the last: a range of one store read, and a 404 for the missing one.
    const last = GENERATED_FIRST_ID + 1999;
    const mixed = await run(
      store,
      ["order_id", "status_id"],
      [
        [String(last - 1), "10"],
        [String(last + 5), "10"],
        [String(last), "10"],
      ],
      [],
      1,
    );
    expect(mixed.count("orders")).toBe(1);
    expect(mixed.results.rows.map((row) => row.error_code)).toEqual(["", "E_ORDER_NOT_FOUND", ""]);
  });

  it("--reads per-order: no bulk read at all, a status row is its PUT", async () => {
    const store = await start();
    const many = await run(
      store,
      ["order_id", "status_id"],
      [
        ["12345", "10"],
        ["12346", "10"],
      ],
      ["--reads", "per-order"],
    );
    expect(many.log.map((entry) => entry.route)).toEqual(["order_put", "order_put"]);
  });
});

describe("shipments on snapshots", () => {
  it("shipment + Shipped: the shipment sets it, no PUT; the read-back reports it; a re-run writes nothing", async () => {
    const store = await start();
    const rows = [["12345", "2", "1ZBULK0001", "ups", ""]];
    const first = await run(store, SHIP_HEADER, rows);
    expect(first.count("shipment_post")).toBe(1);
    expect(first.count("order_put")).toBe(0);
    expect(first.count("products") + first.count("shipping_addresses")).toBe(0);
    expect(first.results.rows[0]).toMatchObject({
      result: "updated",
      fields_updated: "shipment_created",
      order_status_id: "2",
    });
    expect(store.store.getOrder(12345)?.status_id).toBe(2);
    const again = await run(store, SHIP_HEADER, rows);
    expect(again.writes).toBe(0);
    expect(again.results.rows[0]).toMatchObject({ result: "unchanged", order_status_id: "2" });
  });

  it("shipment + Completed: POST then PUT, the PUT's answer is the status", async () => {
    const store = await start();
    const first = await run(store, SHIP_HEADER, [["12345", "10", "1ZBULK0002", "ups", ""]]);
    expect(first.log.map((e) => e.route)).toEqual(["order", "shipment_post", "order_put"]);
    expect(first.results.rows[0]).toMatchObject({
      fields_updated: "shipment_created;status_id",
      order_status_id: "10",
    });
  });

  it("a partially shipped order: its shipments are read, the rest is shipped, Shipped is read back", async () => {
    const store = await start();
    const first = await run(store, SHIP_HEADER, [["12348", "", "1ZBULK0003", "ups", ""]]);
    expect(first.count("shipments")).toBe(1);
    expect(first.results.rows[0]).toMatchObject({ result: "updated", order_status_id: "2" });
    const physical = store.store.listProducts(12348).filter((line) => line.type === "physical");
    expect(physical.every((line) => line.quantity_shipped === line.quantity)).toBe(true);
  });

  it("a multi-address order: the row's address gets its lines, Partially Shipped is read back", async () => {
    const store = await start();
    const [a1, a2] = store.store.listShippingAddresses(12350);
    const first = await run(store, SHIP_HEADER, [
      ["12350", "", "1ZBULK0004", "ups", String(a2?.id)],
    ]);
    expect(first.results.rows[0]).toMatchObject({ result: "updated", order_status_id: "3" });
    expect(store.store.listShipments(12350).map((s) => s.order_address_id)).toEqual([a2?.id]);
    expect(a1?.id).not.toBe(a2?.id);
  });

  it("two rows of one order in one window: the second plans on what the first left", async () => {
    const store = await start();
    const [a1, a2] = store.store.listShippingAddresses(12350);
    const rows = [
      ["12350", "", "1ZBULK0005", "ups", String(a1?.id)],
      ["12350", "2", "1ZBULK0006", "ups", String(a2?.id)],
    ];
    const first = await run(store, SHIP_HEADER, rows);
    // The second row's shipment ships the rest: Shipped, predicted and read back, never PUT.
    expect(first.results.rows.map((row) => [row.result, row.order_status_id])).toEqual([
      ["updated", "3"],
      ["updated", "2"],
    ]);
    expect(first.count("order_put")).toBe(0);
    expect(first.count("shipment_post")).toBe(2);
    const lines = store.store.listProducts(12350).filter((line) => line.type === "physical");
    expect(lines.every((line) => line.quantity_shipped === line.quantity)).toBe(true);
  });

  it("the 50-line cap of lists: /products is read, every line is shipped", async () => {
    const store = await start({ seed: { orders: [bigOrder(500, 60), bigOrder(501, 2)] } });
    const first = await run(store, SHIP_HEADER, [
      ["500", "", "1ZBULK0007", "ups", ""],
      ["501", "", "1ZBULK0008", "ups", ""],
    ]);
    // One range read for the rows, one shared read-back of both statuses.
    expect(first.count("orders")).toBe(2);
    expect(first.count("order")).toBe(0);
    expect(first.count("products")).toBe(1);
    expect(first.log.find((e) => e.route === "products")?.orderId).toBe(500);
    expect(store.store.listShipments(500)[0]?.items).toHaveLength(60);
    expect(first.results.rows.map((row) => row.order_status_id)).toEqual(["2", "2"]);
  });

  it("empty line items (fault): /products and /shipping_addresses are read, the shipment is right", async () => {
    const faults: FaultRule[] = [{ kind: "empty_line_items", orderIds: [12345] }];
    const store = await start({ faults });
    const first = await run(store, SHIP_HEADER, [["12345", "", "1ZBULK0009", "ups", ""]]);
    expect(first.count("products")).toBe(1);
    expect(first.count("shipping_addresses")).toBe(1);
    const lines = store.store.listProducts(12345);
    expect(store.store.listShipments(12345)[0]?.items?.length).toBe(lines.length);
  });

  it("a consignment id that is no line's address (fault): /shipping_addresses decides", async () => {
    const store = await start({ faults: [{ kind: "consignment_id_mismatch", orderId: 12349 }] });
    const [, a2] = store.store.listShippingAddresses(12349);
    const first = await run(store, SHIP_HEADER, [
      ["12349", "", "1ZBULK0010", "ups", String(a2?.id)],
    ]);
    expect(first.count("shipping_addresses")).toBe(1);
    expect(first.results.rows[0]?.result).toBe("updated");
    expect(store.store.listShipments(12349).map((s) => s.order_address_id)).toEqual([a2?.id]);
  });
});

describe("dry run on the same reads", () => {
  it("shows old → new values and writes nothing", async () => {
    const store = await start();
    const before = store.store.getOrder(12345);
    const dry = await run(
      store,
      ["order_id", "status_id", "billing_city", "tracking_number", "shipping_provider"],
      [["12345", "10", "Madrid", "1ZBULK0011", "ups"]],
      ["--dry-run"],
    );
    expect(dry.writes).toBe(0);
    const row = dry.results.rows[0];
    expect(row).toMatchObject({
      result: "would_update",
      fields_updated: "shipment_created;status_id;billing_city",
    });
    // The values, not only the names: current and new status and city, the shipment's address.
    for (const value of [
      before?.status,
      "Completed",
      before?.billing_address.city,
      "Madrid",
      "1001",
    ]) {
      expect(row?.message).toContain(String(value));
    }
  });
});
