// Bulk reads (issue 12): the cost model, snapshots of an order with its consignments and each
// caveat's fallback (docs/bigcommerce-api.md §6, §11), planning on a snapshot, and OrderReads.
import { describe, expect, it } from "vitest";
import { applyRow } from "../../src/apply/apply-row.js";
import { planRow } from "../../src/plan/plan-row.js";
import { OrderReads } from "../../src/read/order-reads.js";
import { costOf, planReads } from "../../src/read/read-plan.js";
import { afterWrites, snapshotOf, stateOf, statusAfterShipment } from "../../src/read/snapshot.js";
import type { OrderProduct, OrderWithConsignments } from "../../src/types.js";
import { FakeStore } from "../helpers/fake-api.js";
import { checkedRow, order } from "../helpers/rows.js";

const line = (over: Partial<OrderProduct> = {}): OrderProduct => ({
  id: 1,
  order_id: 100,
  order_address_id: 10,
  type: "physical",
  quantity: 2,
  quantity_shipped: 0,
  ...over,
});

function read(over: Partial<OrderWithConsignments> = {}, lines = [line()]): OrderWithConsignments {
  return {
    ...order({ items_total: 2, items_shipped: 0 }),
    consignments: {
      pickups: [],
      shipping: [
        {
          id: 10,
          first_name: "Ship",
          last_name: "To",
          city: "Austin",
          zip: "78701",
          items_total: 2,
          items_shipped: 0,
          line_items: lines,
        },
      ],
      downloads: [],
    },
    ...over,
  };
}

const reads = (snapshot: ReturnType<typeof snapshotOf>) => snapshot.needs.map((n) => n.read).sort();

describe("planReads: the cost model", () => {
  it("dense ids: one range read per 250 ids", () => {
    const ids = Array.from({ length: 600 }, (_, i) => 1000 + i);
    const plan = planReads(ids);
    expect(plan.map((r) => (r.kind === "range" ? [r.minId, r.maxId] : r.id))).toEqual([
      [1000, 1249],
      [1250, 1499],
      [1500, 1599],
    ]);
    expect(costOf(plan)).toBe(3);
  });

  it("isolated ids: one read each; a range never wider than 250 ids", () => {
    const plan = planReads([5000, 1000, 2000, 2249, 2250]);
    expect(plan).toEqual([
      { kind: "one", id: 1000 },
      { kind: "range", minId: 2000, maxId: 2249, ids: [2000, 2249] },
      { kind: "one", id: 2250 },
      { kind: "one", id: 5000 },
    ]);
    expect(costOf(plan)).toBe(4);
  });

  it("duplicates count once; nothing wanted, nothing read", () => {
    expect(planReads([7, 7, 7])).toEqual([{ kind: "one", id: 7 }]);
    expect(planReads([])).toEqual([]);
  });

  it("never costs more than one read per id, nor more than ceil(span / 250) per dense block", () => {
    const ids = [1, 2, 3, 400, 401, 900];
    expect(costOf(planReads(ids))).toBeLessThanOrEqual(ids.length);
    expect(costOf(planReads(ids))).toBe(3);
  });
});

describe("snapshotOf: the caveats, each with its fallback", () => {
  it("a complete order: addresses and lines from the consignments, no read needed", () => {
    const snapshot = snapshotOf(read());
    expect(snapshot.needs).toEqual([]);
    expect(snapshot.addresses).toEqual([
      { id: 10, order_id: 100, first_name: "Ship", last_name: "To", city: "Austin", zip: "78701" },
    ]);
    expect(snapshot.products).toEqual([line()]);
    expect(snapshot.shipments).toEqual([]);
    expect(snapshot.order).not.toHaveProperty("consignments");
  });

  it("items_shipped > 0: the shipments must be read", () => {
    expect(reads(snapshotOf(read({ items_shipped: 1 })))).toEqual(["shipments"]);
    expect(snapshotOf(read({ items_shipped: 1 })).shipments).toBeUndefined();
  });

  it("a __warning__ on the order or a consignment: read /products", () => {
    expect(reads(snapshotOf(read({ __warning__: "only 50 lines" })))).toEqual(["products"]);
    const capped = read();
    const [first] = (capped.consignments as { shipping: { __warning__?: unknown }[] }).shipping;
    if (first) first.__warning__ = { message: "cut" };
    expect(reads(snapshotOf(capped))).toEqual(["products"]);
  });

  it("line quantities that do not add up to items_total: read /products", () => {
    expect(reads(snapshotOf(read({}, [line({ quantity: 1 })])))).toEqual(["products"]);
  });

  it("items_total > 0 and no lines: read /products and /shipping_addresses", () => {
    expect(reads(snapshotOf(read({}, [])))).toEqual(["products", "shipping_addresses"]);
  });

  it("a consignment id that is no line's order_address_id: read /shipping_addresses", () => {
    expect(reads(snapshotOf(read({}, [line({ order_address_id: 11, quantity: 2 })])))).toEqual([
      "shipping_addresses",
    ]);
  });

  it("no consignments at all (a store ignoring the include): read both", () => {
    const { consignments: _, ...plain } = read();
    expect(reads(snapshotOf(plain))).toEqual(["products", "shipping_addresses"]);
  });
});

describe("planning on a snapshot", () => {
  it("a status the order already has is not sent; a row with nothing to change writes nothing", () => {
    const state = stateOf(snapshotOf(read({ status_id: 2, status: "Shipped" })), false);
    const plan = planRow(checkedRow({ statusId: 2, staffNotes: "" }), state, { predict: true });
    expect(plan).toMatchObject({ ok: true, writes: [] });
  });

  it("a shipment that ships everything left predicts Shipped, and leaves a Shipped status out", () => {
    const state = stateOf(snapshotOf(read()), true);
    const ship = { trackingNumber: "1Z1", shippingProvider: "ups", trackingCarrier: "ups" };
    const plan = planRow(checkedRow({ statusId: 2, shipment: ship }), state, { predict: true });
    expect(plan).toMatchObject({ ok: true, predictedStatusId: 2, readBack: false });
    expect(plan.ok && plan.writes.map((w) => w.kind)).toEqual(["create_shipment"]);
    const other = planRow(checkedRow({ statusId: 10, shipment: ship }), state, { predict: true });
    expect(other.ok && other.writes.map((w) => w.kind)).toEqual([
      "create_shipment",
      "update_order",
    ]);
  });

  it("Partially Shipped when lines are left; afterWrites updates quantities for the next row", () => {
    const lines = [line(), line({ id: 2, order_address_id: 10, quantity: 1 })];
    const snapshot = snapshotOf(read({ items_total: 3 }, lines));
    const fix = snapshot;
    expect(
      statusAfterShipment(fix.products, { items: [{ order_product_id: 1, quantity: 2 }] }),
    ).toBe(3);
    const after = afterWrites(fix, {
      shipment: {
        body: {
          order_address_id: 10,
          tracking_number: "A",
          shipping_provider: "",
          tracking_carrier: "",
          items: [{ order_product_id: 1, quantity: 2 }],
        },
        created: { id: 9, order_id: 100, order_address_id: 10, tracking_number: "A" },
      },
      predicted: { statusId: 3, status: "Partially Shipped" },
    });
    expect(after.products.map((p) => p.quantity_shipped)).toEqual([2, 0]);
    expect(after.order).toMatchObject({ items_shipped: 2, status_id: 3 });
    expect(after.shipments?.map((s) => s.tracking_number)).toEqual(["A"]);
    expect(
      statusAfterShipment(after.products, { items: [{ order_product_id: 2, quantity: 1 }] }),
    ).toBe(2);
  });
});

describe("OrderReads with applyRow", () => {
  function setup() {
    const api = new FakeStore();
    for (const id of [100, 101, 102, 900]) {
      api.addOrder(id, {}, { addresses: [10], products: [{ quantity: 2 }] });
    }
    const signal = new AbortController().signal;
    const orderReads = new OrderReads(api, signal);
    const context = { api, dryRun: false, reconcileDelayMs: 0, signal, reads: orderReads };
    return { api, orderReads, context };
  }

  it("announced dense ids share one range read; an isolated id gets its own read", async () => {
    const { api, orderReads, context } = setup();
    for (const id of [100, 101, 102, 900]) orderReads.announce(id);
    for (const id of [100, 101, 102, 900]) {
      await applyRow(checkedRow({ statusId: 10 }, { orderId: id }), context);
    }
    expect(api.log.filter((l) => l.startsWith("GET"))).toEqual([
      "GET /orders?min_id=100&max_id=102",
      "GET /orders/900?include",
    ]);
  });

  it("a missing order in a range is a 404 for its rows", async () => {
    const { orderReads, context } = setup();
    orderReads.announce(100);
    orderReads.announce(103);
    const { outcome } = await applyRow(checkedRow({ statusId: 10 }, { orderId: 103 }), context);
    expect(outcome).toMatchObject({ result: "failed", errorCode: "E_ORDER_NOT_FOUND" });
  });

  it("two rows of one order: the second plans on what the first left, and writes nothing", async () => {
    const { api, orderReads, context } = setup();
    orderReads.announce(100);
    orderReads.announce(100);
    const first = await applyRow(checkedRow({ statusId: 10 }), context);
    const second = await applyRow(checkedRow({ statusId: 10 }), context);
    expect(first.outcome).toMatchObject({ result: "updated", fieldsUpdated: ["status_id"] });
    expect(second.outcome).toMatchObject({ result: "unchanged", fieldsUpdated: [] });
    expect(api.log.filter((l) => l.startsWith("PUT"))).toHaveLength(1);
    expect(api.log.filter((l) => l.startsWith("GET"))).toHaveLength(1);
  });

  it("a shipment's predicted status is read back; if it is not the row's, the status is PUT then", async () => {
    const { api, orderReads, context } = setup();
    // This store's shipments set Shipped; the row wants Shipped: nothing more to send.
    orderReads.announce(100);
    const ship = { trackingNumber: "1Z1", shippingProvider: "ups", trackingCarrier: "ups" };
    const applied = await applyRow(checkedRow({ statusId: 2, shipment: ship }), context);
    expect(applied.settled).toBeDefined();
    await orderReads.flush();
    const final = await applied.settled;
    expect(final?.outcome).toMatchObject({
      result: "updated",
      fieldsUpdated: ["shipment_created"],
      orderStatusId: 2,
    });
    expect(api.log.filter((l) => l.startsWith("PUT"))).toEqual([]);
    // A store whose shipment left the status as it was: the read-back shows it, the PUT follows.
    api.addOrder(101, {}, { addresses: [10], products: [{ quantity: 2 }] });
    orderReads.announce(101);
    const create = api.createShipment.bind(api);
    api.createShipment = async (id, body) => {
      const shipment = await create(id, body);
      const o = api.orders.get(id);
      if (o) Object.assign(o, { status_id: 11, status: "Awaiting Fulfillment" });
      return shipment;
    };
    const again = await applyRow(
      checkedRow({ statusId: 2, shipment: ship }, { orderId: 101 }),
      context,
    );
    await orderReads.flush();
    expect((await again.settled)?.outcome).toMatchObject({
      result: "updated",
      fieldsUpdated: ["shipment_created", "status_id"],
      orderStatusId: 2,
    });
    expect(api.log.filter((l) => l.startsWith("PUT"))).toEqual(['PUT /orders/101 {"status_id":2}']);
  });

  it("the order's next row settles a pending read-back first (never plans on a prediction)", async () => {
    const { api, orderReads, context } = setup();
    orderReads.announce(100);
    orderReads.announce(100);
    const ship = { trackingNumber: "1Z1", shippingProvider: "ups", trackingCarrier: "ups" };
    const first = await applyRow(checkedRow({ shipment: ship }), context);
    const second = await applyRow(checkedRow({ statusId: 2 }), context);
    expect((await first.settled)?.outcome).toMatchObject({ orderStatusId: 2 });
    expect(second.outcome).toMatchObject({ result: "unchanged" });
    // Read, POST, then the read-back the second row needs before it plans; no PUT.
    expect(api.log.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "GET /orders/100?include",
      "POST /orders/100/shipments",
      "GET /orders/100?include",
    ]);
  });

  it("dry run: old → new values in the message", async () => {
    const { orderReads, context } = setup();
    orderReads.announce(100);
    const { outcome } = await applyRow(checkedRow({ statusId: 2, staffNotes: "Packed" }), {
      ...context,
      dryRun: true,
      statusName: (id) => (id === 2 ? "Shipped" : undefined),
    });
    expect(outcome).toMatchObject({
      result: "would_update",
      fieldsUpdated: ["status_id", "staff_notes"],
    });
    expect(outcome.message).toContain("Awaiting Fulfillment → Shipped");
  });
});
