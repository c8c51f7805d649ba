import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox({ quota: 0 });
});

afterEach(async () => {
  await sandbox.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field.
  json: any;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${sandbox.url}/stores/sandbox/v2${path}`, {
    method,
    headers: {
      "X-Auth-Token": sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isJson ? JSON.parse(text) : undefined,
  };
}

const put = (orderId: number, body: unknown) => call("PUT", `/orders/${orderId}`, body);
const post = (orderId: number, body: unknown) => call("POST", `/orders/${orderId}/shipments`, body);

const billing = (overrides: Record<string, string> = {}) => ({
  first_name: "John",
  last_name: "Smith",
  company: "",
  street_1: "123 Main Street",
  street_2: "",
  city: "Austin",
  state: "Texas",
  zip: "78751",
  country: "United States",
  country_iso2: "US",
  phone: "555-123-4567",
  email: "john.smith@example.com",
  ...overrides,
});

describe("auth, routing and the V2 error format", () => {
  it("answers 401 with a V2 array body without the right X-Auth-Token", async () => {
    for (const headers of [{ "X-Auth-Token": "wrong" }, { "X-Auth-Token": "" }]) {
      const answer = await call("GET", "/orders/12345", undefined, headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual([{ status: 401, message: expect.any(String) }]);
      expect(answer.text).not.toContain("sandbox-token");
    }
  });

  it("revokes credentials mid-run with setAccessToken", async () => {
    expect((await call("GET", "/orders/12345")).status).toBe(200);
    sandbox.setAccessToken("rotated");
    expect((await call("GET", "/orders/12345")).status).toBe(401);
    expect(
      (await call("GET", "/orders/12345", undefined, { "X-Auth-Token": "rotated" })).status,
    ).toBe(200);
  });

  it("answers the V2 404 body for an unknown order, store hash or route", async () => {
    const missing = await call("GET", "/orders/99999");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual([
      { status: 404, message: "The requested resource was not found." },
    ]);
    const otherStore = await fetch(`${sandbox.url}/stores/nope/v2/orders/12345`, {
      headers: { "X-Auth-Token": "sandbox-token" },
    });
    expect(otherStore.status).toBe(404);
    expect((await call("GET", "/customers")).status).toBe(404);
    expect((await call("GET", "/orders/abc")).status).toBe(404);
    expect((await call("PUT", "/orders/99999", { staff_notes: "x" })).status).toBe(404);
    expect((await post(99999, { order_address_id: 1, items: [] })).status).toBe(404);
  });

  it("answers 405 for other methods and 501 for PATCH", async () => {
    const del = await call("DELETE", "/orders/12345");
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET, PUT");
    expect((await call("POST", "/orders/12345/products", {})).status).toBe(405);
    expect((await call("PATCH", "/orders/12345", { staff_notes: "x" })).status).toBe(501);
  });

  it("accepts a missing or JSON-compatible Accept header and refuses others with 406", async () => {
    expect((await call("GET", "/orders/12345", undefined, { Accept: "*/*" })).status).toBe(200);
    expect(
      (await call("GET", "/orders/12345", undefined, { Accept: "application/json; q=1" })).status,
    ).toBe(200);
    expect((await call("GET", "/orders/12345", undefined, { Accept: "text/html" })).status).toBe(
      406,
    );
  });

  it("needs a JSON Content-Type and a JSON body on writes", async () => {
    const noType = await fetch(`${sandbox.url}/stores/sandbox/v2/orders/12345`, {
      method: "PUT",
      headers: { "X-Auth-Token": "sandbox-token" },
      body: new Uint8Array(Buffer.from('{"staff_notes":"x"}')),
    });
    expect(noType.status).toBe(400);
    expect(
      (await call("PUT", "/orders/12345", "staff_notes=x", { "Content-Type": "text/plain" }))
        .status,
    ).toBe(415);
    expect((await call("PUT", "/orders/12345", "{not json")).status).toBe(400);
    expect((await call("PUT", "/orders/12345", "[1]")).status).toBe(400);
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("");
  });
});

describe("GET orders and lists", () => {
  it("serves the order with V2 fields and string totals", async () => {
    const { status, json } = await call("GET", "/orders/12345");
    expect(status).toBe(200);
    expect(json).toMatchObject({
      id: 12345,
      status_id: 11,
      status: "Awaiting Fulfillment",
      items_total: 3,
      items_shipped: 0,
      billing_address: billing({}),
      total_tax: "0.0000",
    });
    expect(json.billing_address.form_fields).toEqual([]);
    for (const field of [
      "subtotal_ex_tax",
      "subtotal_inc_tax",
      "total_ex_tax",
      "total_inc_tax",
      "total_tax",
    ]) {
      expect(json[field]).toMatch(/^\d+\.\d{4}$/);
    }
    expect(json.products.url).toBe(`${sandbox.url}/stores/sandbox/v2/orders/12345/products`);
  });

  it("answers 204 with no body for an empty list", async () => {
    const shipments = await call("GET", "/orders/12345/shipments");
    expect(shipments.status).toBe(204);
    expect(shipments.text).toBe("");
    const addresses = await call("GET", "/orders/12351/shipping_addresses");
    expect(addresses.status).toBe(204);
    expect(addresses.text).toBe("");
  });

  it("pages lists with page and limit, 204 past the end, 413 above 250", async () => {
    const all = await call("GET", "/orders/12350/products");
    expect(all.json.map((p: { id: number }) => p.id)).toEqual([210, 211, 212]);
    const first = await call("GET", "/orders/12350/products?limit=2");
    expect(first.json.map((p: { id: number }) => p.id)).toEqual([210, 211]);
    const second = await call("GET", "/orders/12350/products?limit=2&page=2");
    expect(second.json.map((p: { id: number }) => p.id)).toEqual([212]);
    expect((await call("GET", "/orders/12350/products?limit=2&page=3")).status).toBe(204);
    expect((await call("GET", "/orders/12350/products?limit=250")).status).toBe(200);
    const tooMany = await call("GET", "/orders/12350/products?limit=251");
    expect(tooMany.status).toBe(413);
    expect(tooMany.json[0].status).toBe(413);
    expect((await call("GET", "/orders/12350/products?limit=0")).status).toBe(400);
    expect((await call("GET", "/orders/12350/products?page=x")).status).toBe(400);
  });

  it("serves shipping addresses, products with order_address_id and existing shipments", async () => {
    const addresses = await call("GET", "/orders/12349/shipping_addresses");
    expect(addresses.json.map((a: { id: number }) => a.id)).toEqual([1003, 1004]);
    expect(addresses.json[0]).toMatchObject({ order_id: 12349, items_total: 1, items_shipped: 0 });
    const products = await call("GET", "/orders/12348/products");
    expect(
      products.json.map((p: Record<string, unknown>) => [
        p.id,
        p.type,
        p.order_address_id,
        p.quantity,
        p.quantity_shipped,
      ]),
    ).toEqual([
      [205, "physical", 1002, 3, 1],
      [206, "physical", 1002, 1, 0],
      [207, "digital", 0, 1, 0],
    ]);
    const shipments = await call("GET", "/orders/12353/shipments");
    expect(shipments.json).toHaveLength(1);
    expect(shipments.json[0]).toMatchObject({
      order_id: 12353,
      order_address_id: 1008,
      tracking_number: "1Z999AA10123456700",
      items: [
        { order_product_id: 215, quantity: 2 },
        { order_product_id: 216, quantity: 1 },
      ],
    });
  });

  it("lists the 15 statuses, renamed ones under their custom label", async () => {
    const { status, json } = await call("GET", "/order_statuses");
    expect(status).toBe(200);
    expect(json.map((s: { id: number }) => s.id)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
    expect(json[12]).toMatchObject({
      id: 12,
      name: "Fraud Check",
      custom_label: "Fraud Check",
      system_label: "Manual Verification Required",
    });
    expect(json[2]).toMatchObject({
      id: 2,
      name: "Shipped",
      custom_label: "Shipped",
      system_label: "Shipped",
    });
    expect(Object.keys(json[0]).sort()).toEqual(
      ["custom_label", "id", "name", "order", "system_description", "system_label"].sort(),
    );
  });
});

describe("PUT /orders/{id}", () => {
  it.each([
    ["status", { status: "Shipped" }],
    ["total_inc_tax", { total_inc_tax: "1.0000" }],
    ["date_created", { date_created: "x" }],
    ["items_shipped", { items_shipped: 3 }],
    ["id", { id: 1 }],
  ])("refuses the read-only field %s with 400", async (field, body) => {
    const answer = await put(12345, body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual([
      {
        status: 400,
        message: `The field '${field}' cannot be written to. Please remove it from your request before trying again.`,
      },
    ]);
  });

  it("refuses unknown and unsupported fields with 400", async () => {
    expect((await put(12345, { colour: "red" })).json[0]).toMatchObject({
      status: 400,
      message: "The field 'colour' is invalid.",
    });
    expect((await put(12345, { fees: [] })).status).toBe(400);
    expect((await put(12345, { products: [] })).status).toBe(400);
    expect((await put(12345, { billing_address: { ...billing(), county: "Travis" } })).status).toBe(
      400,
    );
  });

  it.each([[15], [-1], [2.5], ["2"], [null]])("refuses status_id %j", async (statusId) => {
    expect((await put(12345, { status_id: statusId })).status).toBe(400);
  });

  it.each([
    ["no zip", { zip: undefined }],
    ["a one-character zip", { zip: "7" }],
    ["a bad email", { email: "not-an-email" }],
    ["an unknown country", { country: "Atlantis", country_iso2: "" }],
    ["an unknown country code", { country_iso2: "XX" }],
    ["a non-string field", { city: 12 }],
  ])("refuses a billing address with %s", async (_, overrides) => {
    const address: Record<string, unknown> = { ...billing(), ...overrides };
    for (const [key, value] of Object.entries(address))
      if (value === undefined) delete address[key];
    const answer = await put(12345, { billing_address: address });
    expect(answer.status).toBe(400);
    expect(answer.json[0].status).toBe(400);
    expect(sandbox.store.getOrder(12345)?.billing_address).toMatchObject(billing());
  });

  it("says the zip is required in BigCommerce's words", async () => {
    const answer = await put(12345, { billing_address: { ...billing(), zip: "" } });
    expect(answer.json[0].message).toMatch(/^The billing address must include the ZIP code/);
  });

  it("applies status, notes and message, answering the full order", async () => {
    const answer = await put(12345, {
      status_id: 9,
      staff_notes: "VIP",
      customer_message: "Leave at door",
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      id: 12345,
      status_id: 9,
      status: "Awaiting Shipment",
      staff_notes: "VIP",
      customer_message: "Leave at door",
    });
    expect(sandbox.store.getOrder(12345)).toMatchObject({ status_id: 9, staff_notes: "VIP" });
    expect(sandbox.stats().writesApplied).toBe(1);
  });

  it("recalculates totals when the billing country changes (US 0% to ES 21%)", async () => {
    const before = sandbox.store.getOrder(12345);
    const answer = await put(12345, {
      billing_address: billing({
        first_name: "Juan",
        last_name: "Perez",
        street_1: "Calle Nueva 456",
        city: "Madrid",
        state: "Madrid",
        zip: "28002",
        country: "Spain",
        country_iso2: "ES",
      }),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.billing_address).toMatchObject({
      first_name: "Juan",
      city: "Madrid",
      country: "Spain",
      country_iso2: "ES",
    });
    expect(answer.json.total_ex_tax).toBe(before?.total_ex_tax);
    expect(Number(answer.json.total_tax)).toBeGreaterThan(0);
    expect(answer.json.total_inc_tax).not.toBe(before?.total_inc_tax);
    expect(Number(answer.json.total_inc_tax)).toBeCloseTo(
      Number(answer.json.total_ex_tax) + Number(answer.json.total_tax),
      4,
    );
  });

  it("fills country from country_iso2 and keeps fields a partial address leaves out", async () => {
    const answer = await put(12352, {
      billing_address: { zip: "75002", country_iso2: "fr", city: "Paris" },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.billing_address).toMatchObject({
      first_name: "Pierre",
      city: "Paris",
      zip: "75002",
      country: "France",
      country_iso2: "FR",
    });
    expect(answer.json.total_tax).not.toBe("0.0000");
  });

  it("accepts an empty body and ignorable fields without writing", async () => {
    expect((await put(12345, {})).status).toBe(200);
    expect((await put(12345, { customer_locale: "en" })).status).toBe(200);
    expect(sandbox.stats().writesApplied).toBe(0);
  });
});

describe("POST /orders/{id}/shipments", () => {
  const shipment = (overrides: Record<string, unknown> = {}) => ({
    order_address_id: 1001,
    tracking_number: "1Z999AA10123456784",
    shipping_provider: "ups",
    tracking_carrier: "",
    items: [
      { order_product_id: 201, quantity: 1 },
      { order_product_id: 202, quantity: 2 },
    ],
    ...overrides,
  });

  it("creates the shipment, marks the lines shipped and the order Shipped", async () => {
    const answer = await post(12345, shipment());
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      id: expect.any(Number),
      order_id: 12345,
      order_address_id: 1001,
      tracking_number: "1Z999AA10123456784",
      shipping_provider: "ups",
      items: [
        { order_product_id: 201, product_id: expect.any(Number), quantity: 1 },
        { order_product_id: 202, product_id: expect.any(Number), quantity: 2 },
      ],
    });
    expect(answer.json.generated_tracking_link).toContain("1Z999AA10123456784");
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      status_id: 2,
      status: "Shipped",
      items_shipped: 3,
    });
    expect(sandbox.store.listProducts(12345).map((p) => p.quantity_shipped)).toEqual([1, 2]);
    const listed = await call("GET", "/orders/12345/shipments");
    expect(listed.json.map((s: { id: number }) => s.id)).toEqual([answer.json.id]);
    expect(sandbox.store.createdShipments()).toHaveLength(1);
    expect(sandbox.stats().writesApplied).toBe(1);
  });

  it("marks a partial shipment Partially Shipped, then Shipped; it does not deduplicate tracking numbers", async () => {
    const first = await post(12345, shipment({ items: [{ order_product_id: 202, quantity: 1 }] }));
    expect(first.status).toBe(201);
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      status_id: 3,
      status: "Partially Shipped",
      items_shipped: 1,
    });
    const second = await post(
      12345,
      shipment({
        items: [
          { order_product_id: 201, quantity: 1 },
          { order_product_id: 202, quantity: 1 },
        ],
      }),
    );
    expect(second.status).toBe(201);
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(2);
    expect(sandbox.store.listShipments(12345).map((s) => s.tracking_number)).toEqual([
      "1Z999AA10123456784",
      "1Z999AA10123456784",
    ]);
  });

  it("ignores digital lines when deciding the order is Shipped", async () => {
    const answer = await post(12348, {
      order_address_id: 1002,
      tracking_number: "794612345678",
      shipping_provider: "fedex",
      tracking_carrier: "fedex",
      items: [
        { order_product_id: 205, quantity: 2 },
        { order_product_id: 206, quantity: 1 },
      ],
    });
    expect(answer.status).toBe(201);
    expect(sandbox.store.getOrder(12348)?.status_id).toBe(2);
  });

  it("refuses more than remains to ship with the quantity error and its details", async () => {
    const answer = await post(12348, {
      order_address_id: 1002,
      tracking_number: "794612345678",
      shipping_provider: "fedex",
      tracking_carrier: "",
      items: [{ order_product_id: 205, quantity: 3 }],
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual([
      {
        status: 400,
        message: "The field 'quantity' is invalid.",
        details: {
          invalid_reason:
            "The quantity specified is greater than the quantity of the product that is available to ship.",
          available_quantity: 2,
          order_product_id: 205,
        },
      },
    ]);
    expect(sandbox.store.listProducts(12348)[0]?.quantity_shipped).toBe(1);
  });

  it.each([
    ["an address of another order", 12345, { order_address_id: 1009 }],
    ["an unknown address", 12345, { order_address_id: 4242 }],
    ["a string address id", 12345, { order_address_id: "1001" }],
    ["no address", 12345, { order_address_id: undefined }],
    ["no items", 12345, { items: undefined }],
    ["empty items", 12345, { items: [] }],
    [
      "a line of another address",
      12349,
      { order_address_id: 1004, items: [{ order_product_id: 208, quantity: 1 }] },
    ],
    ["a line of another order", 12345, { items: [{ order_product_id: 203, quantity: 1 }] }],
    ["a zero quantity", 12345, { items: [{ order_product_id: 201, quantity: 0 }] }],
    [
      "product_id in an item",
      12345,
      { items: [{ order_product_id: 201, product_id: 77, quantity: 1 }] },
    ],
    ["an unknown provider", 12345, { shipping_provider: "dhl" }],
    ["a 51-character tracking number", 12345, { tracking_number: "1".repeat(51) }],
    ["an unknown field", 12345, { notify_customer: true }],
    ["a read-only field", 12345, { generated_tracking_link: "x" }],
  ])("refuses %s with 400 and applies nothing", async (_, orderId, overrides) => {
    const body: Record<string, unknown> = { ...shipment(), ...overrides };
    for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
    const answer = await post(orderId, body);
    expect(answer.status).toBe(400);
    expect(answer.json[0].status).toBe(400);
    expect(sandbox.store.createdShipments()).toEqual([]);
    expect(sandbox.store.getOrder(orderId)?.items_shipped).toBe(0);
  });

  it("refuses digital lines and says why product_id is refused", async () => {
    const digital = await post(12348, {
      order_address_id: 1002,
      items: [{ order_product_id: 207, quantity: 1 }],
    });
    expect(digital.status).toBe(400);
    expect(digital.json[0].details.order_product_id).toBe(207);
    const productId = await post(
      12345,
      shipment({ items: [{ order_product_id: 201, product_id: 77, quantity: 1 }] }),
    );
    expect(productId.json[0].message).toBe(
      "The field 'product_id' cannot be written to. Please remove it from your request before trying again.",
    );
  });

  it.each(["", "usps", "upsonline", "royalmail", "carrier_1234567"])(
    "accepts shipping_provider %j",
    async (provider) => {
      const answer = await post(
        12345,
        shipment({ shipping_provider: provider, tracking_number: "A".repeat(50) }),
      );
      expect(answer.status).toBe(201);
      expect(answer.json.shipping_provider).toBe(provider);
    },
  );
});
