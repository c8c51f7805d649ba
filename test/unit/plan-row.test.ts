// The plan is a value: the exact requests a row will send, asserted without HTTP.
import { describe, expect, it } from "vitest";
import { plannedFields, planRow } from "../../src/plan/plan-row.js";
import { readsNeeded } from "../../src/read/order-state.js";
import { address, checkedRow, order, product, shipment } from "../helpers/rows.js";

const ship = {
  trackingNumber: "1Z999AA10123456784",
  shippingProvider: "ups",
  trackingCarrier: "ups",
};

describe("readsNeeded", () => {
  it.each([
    ["status only", { statusId: 2 }, false, { order: false, shipping: false }],
    ["notes only", { staffNotes: "x" }, false, { order: false, shipping: false }],
    ["billing", { billing: { city: "Madrid" } }, false, { order: true, shipping: false }],
    ["shipment", { shipment: ship }, false, { order: false, shipping: true }],
    ["dry run status", { statusId: 2 }, true, { order: true, shipping: false }],
  ])("%s", (_name, changes, dryRun, expected) => {
    expect(readsNeeded(checkedRow(changes), dryRun)).toEqual(expected);
  });
});

describe("planRow", () => {
  const shipping = {
    shipments: [],
    addresses: [address(10)],
    products: [product({ id: 1, quantity: 2 })],
  };

  it("a shipment and a status: POST first, then PUT, each with its path and body", () => {
    const plan = planRow(checkedRow({ statusId: 10, shipment: ship }), { shipping });
    expect(plan).toEqual({
      ok: true,
      readBack: false,
      writes: [
        {
          kind: "create_shipment",
          method: "POST",
          path: "/orders/100/shipments",
          body: {
            order_address_id: 10,
            tracking_number: ship.trackingNumber,
            shipping_provider: "ups",
            tracking_carrier: "ups",
            items: [{ order_product_id: 1, quantity: 2 }],
          },
        },
        {
          kind: "update_order",
          method: "PUT",
          path: "/orders/100",
          body: { status_id: 10 },
          fields: ["status_id"],
        },
      ],
    });
    expect(plannedFields(plan as Extract<typeof plan, { ok: true }>)).toEqual([
      "shipment_created",
      "status_id",
    ]);
  });

  it("a shipment alone reads the order back for the status it left", () => {
    const plan = planRow(checkedRow({ shipment: ship }), { shipping });
    expect(plan).toMatchObject({ ok: true, readBack: true });
  });

  it("an existing tracking number: no POST, the shipment named", () => {
    const existing = shipment({ id: 7, tracking_number: ship.trackingNumber });
    const plan = planRow(checkedRow({ shipment: ship }), {
      shipping: { ...shipping, shipments: [existing] },
    });
    expect(plan).toEqual({ ok: true, writes: [], existing, readBack: false });
  });

  it("values the order already has are not written", () => {
    const plan = planRow(checkedRow({ statusId: 2, staffNotes: "same" }), {
      order: order({ status_id: 2, staff_notes: "same" }),
    });
    expect(plan).toEqual({ ok: true, writes: [], readBack: false });
  });

  it("a row the order refuses plans no write, with the code", () => {
    const plan = planRow(checkedRow({ shipment: ship }), {
      shipping: { shipments: [], addresses: [], products: [] },
    });
    expect(plan).toMatchObject({ ok: false, code: "E_NO_SHIPPING_ADDRESS" });
  });
});
