import { describe, expect, it } from "vitest";
import { describeTotalsChange, planPut, planShipment } from "../../src/plan/plan-update.js";
import { address, checkedRow, order, product, shipment } from "../helpers/rows.js";

const ship = {
  trackingNumber: "1Z999AA10123456784",
  shippingProvider: "ups",
  trackingCarrier: "ups",
};

describe("planShipment", () => {
  it("ships everything unshipped on the only address, physical lines only", () => {
    const plan = planShipment(
      ship,
      [],
      [address(10)],
      [
        product({ id: 1, quantity: 3, quantity_shipped: 1 }),
        product({ id: 2, quantity: 1, quantity_shipped: 1 }),
        product({ id: 3, type: "digital", order_address_id: 0 }),
        product({ id: 4, quantity: 2 }),
      ],
    );
    expect(plan).toEqual({
      ok: true,
      kind: "create",
      body: {
        order_address_id: 10,
        tracking_number: ship.trackingNumber,
        shipping_provider: "ups",
        tracking_carrier: "ups",
        items: [
          { order_product_id: 1, quantity: 2 },
          { order_product_id: 4, quantity: 2 },
        ],
      },
    });
  });

  it("reports an existing shipment with the same tracking number instead of creating one", () => {
    const existing = shipment({ id: 77, tracking_number: ship.trackingNumber });
    expect(planShipment(ship, [shipment(), existing], [], [])).toEqual({
      ok: true,
      kind: "exists",
      shipment: existing,
    });
  });

  it.each([
    ["no address", [], undefined, "E_NO_SHIPPING_ADDRESS"],
    [
      "several addresses, none chosen",
      [address(10), address(11)],
      undefined,
      "E_SEVERAL_ADDRESSES",
    ],
    ["chosen address not on the order", [address(10)], 99, "E_ADDRESS_NOT_ON_ORDER"],
  ])("fails: %s", (_name, addresses, orderAddressId, code) => {
    const request = orderAddressId === undefined ? ship : { ...ship, orderAddressId };
    const plan = planShipment(request, [], addresses, [product()]);
    expect(plan).toMatchObject({ ok: false, code });
  });

  it("lists the address ids when the order has several", () => {
    const plan = planShipment(ship, [], [address(10), address(11)], [product()]);
    expect(plan.ok === false && plan.message).toContain("10, 11");
  });

  it("ships the chosen address's lines only", () => {
    const plan = planShipment(
      { ...ship, orderAddressId: 11 },
      [],
      [address(10), address(11)],
      [product({ id: 1, order_address_id: 10 }), product({ id: 2, order_address_id: 11 })],
    );
    expect(plan).toMatchObject({
      ok: true,
      kind: "create",
      body: { order_address_id: 11, items: [{ order_product_id: 2, quantity: 1 }] },
    });
  });

  it("fails when everything is already shipped", () => {
    const plan = planShipment(
      ship,
      [],
      [address(10)],
      [product({ quantity: 2, quantity_shipped: 2 })],
    );
    expect(plan).toMatchObject({ ok: false, code: "E_NOTHING_TO_SHIP" });
  });
});

describe("planPut", () => {
  it("sends only the fields the row sets when the order was not read", () => {
    expect(planPut(checkedRow({ statusId: 2 }), undefined)).toEqual({
      body: { status_id: 2 },
      fields: ["status_id"],
    });
    expect(planPut(checkedRow({ staffNotes: "VIP customer - High priority" }), undefined)).toEqual({
      body: { staff_notes: "VIP customer - High priority" },
      fields: ["staff_notes"],
    });
  });

  it("merges billing fields into the whole current address, without form_fields", () => {
    const row = checkedRow({
      billing: {
        first_name: "Juan",
        last_name: "Perez",
        street_1: "Calle Nueva 456",
        city: "Madrid",
        zip: "28002",
        country: "Spain",
        country_iso2: "ES",
      },
      billingColumns: [
        "billing_first_name",
        "billing_last_name",
        "billing_street",
        "billing_city",
        "billing_zip",
        "billing_country",
      ],
    });
    const plan = planPut(row, order());
    expect(plan.body).toEqual({
      billing_address: {
        first_name: "Juan",
        last_name: "Perez",
        company: "",
        street_1: "Calle Nueva 456",
        street_2: "",
        city: "Madrid",
        state: "Texas",
        zip: "28002",
        country: "Spain",
        country_iso2: "ES",
        phone: "555-0100",
        email: "john@example.com",
      },
    });
    expect(plan.fields).toEqual(row.changes.billingColumns);
  });

  it("leaves out values equal to the order's, and sends nothing when nothing differs", () => {
    const current = order({ status_id: 2, staff_notes: "same" });
    const row = checkedRow({
      statusId: 2,
      staffNotes: "same",
      billing: { city: "Austin", country: "USA", country_iso2: "us" },
      billingColumns: ["billing_city", "billing_country"],
    });
    expect(planPut(row, current)).toEqual({ body: undefined, fields: [] });
  });

  it("lists only the billing columns that change", () => {
    const row = checkedRow({
      billing: { city: "Dallas", zip: "78751" },
      billingColumns: ["billing_city", "billing_zip"],
    });
    expect(planPut(row, order()).fields).toEqual(["billing_city"]);
  });
});

describe("describeTotalsChange", () => {
  it("names the totals that changed", () => {
    const text = describeTotalsChange(
      order(),
      order({ total_tax: "21.0000", total_inc_tax: "121.0000" }),
    );
    expect(text).toContain("total_inc_tax 100.0000 → 121.0000");
    expect(text).toContain("total_tax 0.0000 → 21.0000");
  });

  it("is undefined when totals are the same (numerically)", () => {
    expect(describeTotalsChange(order(), order({ total_tax: "0.00" }))).toBeUndefined();
  });
});
