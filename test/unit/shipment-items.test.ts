// Split parcels (issue 13): rows of one order and tracking number are one shipment of their items;
// the items are checked against the order before any write (plan/plan-update.ts), and the groups are
// found in a pass over the whole file (read/shipment-groups.ts).
import { describe, expect, it } from "vitest";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "../../src/check/statuses.js";
import { planShipment } from "../../src/plan/plan-update.js";
import { ShipmentGroups } from "../../src/read/shipment-groups.js";
import type {
  ShipmentGroupItem,
  ShipmentRequest,
  ShippingAddress,
  SourceRow,
} from "../../src/types.js";
import { product, shipment } from "../helpers/rows.js";

const ship: ShipmentRequest = {
  trackingNumber: "1Z999AA10000000001",
  shippingProvider: "ups",
  trackingCarrier: "ups",
};

const chicago: ShippingAddress = {
  id: 10,
  order_id: 100,
  first_name: "Omar",
  last_name: "Khan",
  city: "Chicago",
  zip: "60601",
};
const milwaukee: ShippingAddress = {
  id: 11,
  order_id: 100,
  first_name: "Samira",
  last_name: "Khan",
  city: "Milwaukee",
  zip: "53202",
};

const lines = [
  product({ id: 1, sku: "CC3C", order_address_id: 10, quantity: 1 }),
  product({ id: 2, sku: "FLCT-BEIGE", order_address_id: 11, quantity: 3, quantity_shipped: 1 }),
  product({ id: 3, sku: "TWB", order_address_id: 11, quantity: 1 }),
  product({ id: 4, sku: "EBOOK", type: "digital", order_address_id: 0 }),
];

const grouped = (...items: ShipmentGroupItem[]): ShipmentRequest => ({
  ...ship,
  group: { firstLine: items[0]?.line ?? 2, items },
});

describe("planShipment with items", () => {
  it("ships the group's items, at the address the SKUs are at", () => {
    const plan = planShipment(
      grouped({ line: 2, sku: "flct-beige", quantity: 1 }, { line: 7, sku: "TWB" }),
      [],
      [chicago, milwaukee],
      lines,
    );
    expect(plan).toMatchObject({
      ok: true,
      kind: "create",
      body: {
        order_address_id: 11,
        items: [
          { order_product_id: 2, quantity: 1 },
          { order_product_id: 3, quantity: 1 },
        ],
      },
    });
  });

  it("an empty quantity ships everything left of that SKU", () => {
    const plan = planShipment(grouped({ line: 2, sku: "FLCT-BEIGE" }), [], [milwaukee], lines);
    expect(plan).toMatchObject({ body: { items: [{ order_product_id: 2, quantity: 2 }] } });
  });

  it("sums rows naming the same SKU, by order_product_id too", () => {
    const plan = planShipment(
      grouped({ line: 2, sku: "FLCT-BEIGE", quantity: 1 }, { line: 3, orderProductId: 2 }),
      [],
      [milwaukee],
      lines,
    );
    expect(plan).toMatchObject({ body: { items: [{ order_product_id: 2, quantity: 2 }] } });
  });

  it("fails the whole shipment for more than is left, naming the line", () => {
    const plan = planShipment(
      grouped({ line: 2, sku: "TWB", quantity: 1 }, { line: 9, sku: "FLCT-BEIGE", quantity: 3 }),
      [],
      [milwaukee],
      lines,
    );
    expect(plan).toMatchObject({ ok: false, code: "E_ITEM_OVER_QUANTITY" });
    expect(plan.ok === false && plan.message).toMatch(/line 9/);
  });

  it("fails when earlier rows of the shipment took what was left", () => {
    const plan = planShipment(
      grouped({ line: 2, sku: "FLCT-BEIGE" }, { line: 3, sku: "FLCT-BEIGE", quantity: 1 }),
      [],
      [milwaukee],
      lines,
    );
    expect(plan).toMatchObject({ ok: false, code: "E_ITEM_OVER_QUANTITY" });
  });

  it.each([
    ["a SKU not on the order", { line: 2, sku: "NOPE" }, "E_ITEM_NOT_ON_ORDER"],
    ["a digital line", { line: 2, sku: "EBOOK" }, "E_ITEM_NOT_ON_ORDER"],
    [
      "an order_product_id of another SKU",
      { line: 2, sku: "TWB", orderProductId: 2 },
      "E_ITEM_NOT_ON_ORDER",
    ],
  ])("fails: %s", (_name, item, code) => {
    expect(planShipment(grouped(item), [], [chicago, milwaukee], lines)).toMatchObject({
      ok: false,
      code,
    });
  });

  it("fails items at two addresses, and an item at another address than the one chosen", () => {
    expect(
      planShipment(
        grouped({ line: 2, sku: "CC3C" }, { line: 3, sku: "TWB" }),
        [],
        [chicago, milwaukee],
        lines,
      ),
    ).toMatchObject({ ok: false, code: "E_ITEM_OTHER_ADDRESS" });
    expect(
      planShipment(
        { ...grouped({ line: 2, sku: "CC3C" }), orderAddressId: 11 },
        [],
        [chicago, milwaukee],
        lines,
      ),
    ).toMatchObject({ ok: false, code: "E_ITEM_OTHER_ADDRESS" });
  });

  it("a later row of a shipment that exists names it, with the first line", () => {
    const existing = shipment({ id: 77, tracking_number: "1Z 999 AA1 00 0000 0001" });
    const plan = planShipment(
      grouped({ line: 2, sku: "TWB" }, { line: 5, sku: "FLCT-BEIGE" }),
      [existing],
      [],
      [],
    );
    expect(plan).toMatchObject({ ok: true, kind: "exists", shipment: { id: 77 } });
  });
});

describe("planShipment without items", () => {
  const shippedElsewhere = [
    product({ id: 1, sku: "UC", quantity: 2, quantity_shipped: 2 }),
    product({ id: 2, sku: "CC3C", quantity: 1, quantity_shipped: 1 }),
  ];
  const other = shipment({ id: 501, order_address_id: 10, tracking_number: "OTHERAPP1" });

  it("an order another app shipped is `exists` with that shipment by default", () => {
    const plan = planShipment(ship, [other], [chicago], shippedElsewhere);
    expect(plan).toMatchObject({ ok: true, kind: "exists", shipment: { id: 501 } });
  });

  it("and E_ALREADY_SHIPPED with --already-shipped fail", () => {
    const plan = planShipment(
      { ...ship, alreadyShipped: "fail" },
      [other],
      [chicago],
      shippedElsewhere,
    );
    expect(plan).toMatchObject({ ok: false, code: "E_ALREADY_SHIPPED" });
  });

  it("with no shipment at all, nothing to ship stays E_NOTHING_TO_SHIP", () => {
    expect(planShipment(ship, [], [chicago], shippedElsewhere)).toMatchObject({
      ok: false,
      code: "E_NOTHING_TO_SHIP",
    });
  });

  it("several addresses: the failure lists each with name, city, zip and what is left", () => {
    const plan = planShipment(ship, [], [chicago, milwaukee], lines);
    expect(plan).toMatchObject({ ok: false, code: "E_SEVERAL_ADDRESSES" });
    const message = plan.ok ? "" : plan.message;
    for (const part of ["10", "Chicago", "60601", "CC3C", "11", "Milwaukee", "53202", "TWB"]) {
      expect(message).toContain(part);
    }
  });
});

describe("ShipmentGroups", () => {
  const context = { statuses: buildStatusTable(DEFAULT_ORDER_STATUSES) };
  const orderKeyOf = (values: Readonly<Record<string, string | undefined>>) => {
    const id = Number(values.order_id);
    return Number.isSafeInteger(id) && id > 0 ? { store: "", id } : undefined;
  };
  const row = (line: number, values: Record<string, string>): SourceRow => ({
    index: line - 1,
    line,
    cells: Object.values(values),
    values,
  });
  async function* rowsOf(rows: SourceRow[]) {
    yield* rows;
  }

  it("groups rows of one order and tracking number, as printed, wherever they are", async () => {
    const groups = await ShipmentGroups.build(
      rowsOf([
        row(2, { order_id: "100", tracking_number: "1Z 999 AA1", sku: "TWB", quantity: "1" }),
        row(3, { order_id: "101", tracking_number: "1Z999AA1", sku: "TWB" }),
        row(4, { order_id: "100", tracking_number: "1Z999AA2", sku: "CC3C" }),
        row(5, { order_id: "100", tracking_number: "1z-999-aa1", sku: "UC", status_id: "Nope" }),
        row(6, { order_id: "100", tracking_number: "1Z999AA1" }),
        row(7, { order_id: "100", tracking_number: "1Z999AA1", quantity: "x" }),
      ]),
      orderKeyOf,
      context,
    );
    expect(groups.size).toBe(3);
    expect(groups.groupOf({ store: "", id: 100 }, "1Z999AA1")).toEqual({
      firstLine: 2,
      items: [
        { line: 2, sku: "TWB", quantity: 1 },
        { line: 5, sku: "UC" },
      ],
    });
    expect(groups.groupOf({ store: "other", id: 100 }, "1Z999AA1")).toBeUndefined();
  });
});
