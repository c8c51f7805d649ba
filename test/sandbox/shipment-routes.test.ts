// GET, PUT and DELETE /orders/{id}/shipments/{shipment_id} (issue 15; docs/bigcommerce-api.md §12).
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
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field.
  json: any;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${sandbox.url}/stores/sandbox/v2${path}`, {
    method,
    headers: {
      "X-Auth-Token": sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  return { status: response.status, text, json: isJson ? JSON.parse(text) : undefined };
}

/** Order 12345: address 1001, lines 1 × towel (line 1) and 2 × terrarium (line 2). */
async function ship(items: { order_product_id: number; quantity: number }[], extra = {}) {
  const products = sandbox.store.listProducts(12345);
  const answer = await call("POST", "/orders/12345/shipments", {
    order_address_id: products[0]?.order_address_id,
    items,
    tracking_number: "1Z999AA10123456784",
    shipping_provider: "ups",
    ...extra,
  });
  expect(answer.status).toBe(201);
  return answer.json;
}

const lines = () => sandbox.store.listProducts(12345);

describe("POST /orders/{id}/shipments", () => {
  it("stores tracking_link, shipping_method and comments", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }], {
      tracking_link: "https://track.example.com/1Z999AA10123456784",
      shipping_method: "Ground",
      comments: "Left at the door",
    });
    expect(created).toMatchObject({
      tracking_link: "https://track.example.com/1Z999AA10123456784",
      shipping_method: "Ground",
      comments: "Left at the door",
    });
    const stored = await call("GET", `/orders/12345/shipments/${created.id}`);
    expect(stored.json).toMatchObject({
      tracking_link: "https://track.example.com/1Z999AA10123456784",
      shipping_method: "Ground",
      comments: "Left at the door",
    });
  });
});

describe("GET /orders/{id}/shipments/{shipment_id}", () => {
  it("answers the shipment of that order, 404 for another order's or an unknown one", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }]);
    const answer = await call("GET", `/orders/12345/shipments/${created.id}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(created);
    expect(answer.json).toEqual(sandbox.store.listShipments(12345)[0]);
    // A seeded shipment of order 12353 is not on order 12345.
    const seeded = sandbox.store.listShipments(12353)[0];
    expect(seeded).toBeDefined();
    expect((await call("GET", `/orders/12345/shipments/${seeded?.id}`)).status).toBe(404);
    expect((await call("GET", `/orders/12353/shipments/${seeded?.id}`)).status).toBe(200);
    expect((await call("GET", "/orders/12345/shipments/999999")).status).toBe(404);
    const missing = await call("GET", `/orders/99999/shipments/${created.id}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual([{ status: 404, message: expect.any(String) }]);
  });
});

describe("PUT /orders/{id}/shipments/{shipment_id}", () => {
  it("changes the tracking fields and answers 200 with the shipment; quantities stay", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }]);
    const before = lines();
    const answer = await call("PUT", `/orders/12345/shipments/${created.id}`, {
      tracking_number: "9400100000000000000000",
      shipping_provider: "usps",
      tracking_carrier: "usps",
      tracking_link: "",
      shipping_method: "Priority",
      comments: "Carrier changed",
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      id: created.id,
      order_id: 12345,
      tracking_number: "9400100000000000000000",
      shipping_provider: "usps",
      tracking_carrier: "usps",
      shipping_method: "Priority",
      comments: "Carrier changed",
      items: created.items,
      shipping_provider_display_name: "USPS",
    });
    // The generated link follows the new provider and number.
    expect(answer.json.generated_tracking_link).toContain("9400100000000000000000");
    expect(answer.json.generated_tracking_link).not.toBe(created.generated_tracking_link);
    expect(sandbox.store.listShipments(12345)).toEqual([answer.json]);
    expect(lines()).toEqual(before);
  });

  it("moves the shipment to another address of the order; an unknown address is a 400", async () => {
    const products = sandbox.store.listProducts(12349);
    const [address1, address2] = sandbox.store.listShippingAddresses(12349);
    const line = products.find((p) => p.order_address_id === address1?.id);
    const created = await call("POST", "/orders/12349/shipments", {
      order_address_id: address1?.id,
      items: [{ order_product_id: line?.id, quantity: 1 }],
      tracking_number: "1ZMOVE",
      shipping_provider: "ups",
    });
    expect(created.status).toBe(201);
    const moved = await call("PUT", `/orders/12349/shipments/${created.json.id}`, {
      order_address_id: address2?.id,
    });
    expect(moved.status).toBe(200);
    expect(moved.json.order_address_id).toBe(address2?.id);
    expect(moved.json.shipping_address).toMatchObject({ street_1: address2?.street_1 });
    const unknown = await call("PUT", `/orders/12349/shipments/${created.json.id}`, {
      order_address_id: 424242,
    });
    expect(unknown.status).toBe(400);
    expect(sandbox.store.listShipments(12349)[0]?.order_address_id).toBe(address2?.id);
  });

  it("refuses items (cannot be written to), read-only, unknown and bad fields with 400, changing nothing", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }]);
    const items = await call("PUT", `/orders/12345/shipments/${created.id}`, {
      tracking_number: "NEW",
      items: [{ order_product_id: first?.id, quantity: 1 }],
    });
    expect(items.status).toBe(400);
    expect(items.json).toEqual([
      { status: 400, message: expect.stringMatching(/^The field 'items' cannot be written to/) },
    ]);
    for (const body of [
      { id: 5 },
      { order_id: 1 },
      { colour: "red" },
      { tracking_number: "x".repeat(51) },
      { shipping_provider: "dhl" },
      { order_address_id: "1001" },
      [],
    ]) {
      const answer = await call("PUT", `/orders/12345/shipments/${created.id}`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect(sandbox.store.listShipments(12345)).toEqual([created]);
    expect(sandbox.stats().writesApplied).toBe(1);
  });

  it("answers 404 for a shipment not on the order", async () => {
    const seeded = sandbox.store.listShipments(12353)[0];
    const answer = await call("PUT", `/orders/12345/shipments/${seeded?.id}`, {
      tracking_number: "X",
    });
    expect(answer.status).toBe(404);
    expect(sandbox.store.listShipments(12353)[0]).toEqual(seeded);
  });
});

describe("DELETE /orders/{id}/shipments/{shipment_id}", () => {
  it("answers 204, gives the quantities back, updates items_shipped, keeps the status", async () => {
    const [first, second] = lines();
    const all = await ship([
      { order_product_id: first?.id ?? 0, quantity: first?.quantity ?? 0 },
      { order_product_id: second?.id ?? 0, quantity: second?.quantity ?? 0 },
    ]);
    const shipped = sandbox.store.getOrder(12345);
    expect(shipped).toMatchObject({ status_id: 2, items_shipped: 3 });

    const answer = await call("DELETE", `/orders/12345/shipments/${all.id}`);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe("");
    const order = sandbox.store.getOrder(12345);
    // The order stays Shipped (§10, §12): undoing a shipment also needs a status PUT.
    expect(order).toMatchObject({ status_id: 2, status: "Shipped", items_shipped: 0 });
    expect(lines().map((p) => p.quantity_shipped)).toEqual([0, 0]);
    expect(sandbox.store.listShippingAddresses(12345)[0]?.items_shipped).toBe(0);
    expect(sandbox.store.listShipments(12345)).toEqual([]);
    expect((await call("GET", `/orders/12345/shipments/${all.id}`)).status).toBe(404);
    expect((await call("GET", "/orders/12345/shipments")).status).toBe(204);
    // The quantities can be shipped again.
    await ship([{ order_product_id: second?.id ?? 0, quantity: second?.quantity ?? 0 }]);
    expect(sandbox.store.getOrder(12345)?.items_shipped).toBe(2);
  });

  it("gives back only that shipment's quantities (a seeded one of a partly shipped order)", async () => {
    const [seeded] = sandbox.store.listShipments(12348);
    expect(seeded).toBeDefined();
    const before = sandbox.store.getOrder(12348);
    const answer = await call("DELETE", `/orders/12348/shipments/${seeded?.id}`);
    expect(answer.status).toBe(204);
    const after = sandbox.store.getOrder(12348);
    const given = seeded?.items.reduce((sum, item) => sum + item.quantity, 0) ?? 0;
    expect(given).toBeGreaterThan(0);
    expect(after?.items_shipped).toBe((before?.items_shipped ?? 0) - given);
    expect(after?.status_id).toBe(before?.status_id);
  });

  it("answers 404 for a shipment not on the order, twice for the same one", async () => {
    const seeded = sandbox.store.listShipments(12353)[0];
    expect((await call("DELETE", `/orders/12345/shipments/${seeded?.id}`)).status).toBe(404);
    expect(sandbox.store.listShipments(12353)).toHaveLength(1);
    expect((await call("DELETE", `/orders/12353/shipments/${seeded?.id}`)).status).toBe(204);
    expect((await call("DELETE", `/orders/12353/shipments/${seeded?.id}`)).status).toBe(404);
  });
});

describe("routes, counting and faults", () => {
  it("counts shipment, shipment_put and shipment_delete apart; other methods are 405", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }]);
    await call("GET", `/orders/12345/shipments/${created.id}`);
    await call("PUT", `/orders/12345/shipments/${created.id}`, { comments: "x" });
    await call("DELETE", `/orders/12345/shipments/${created.id}`);
    const post = await call("POST", `/orders/12345/shipments/${created.id}`, {});
    expect(post.status).toBe(405);
    const stats = sandbox.stats();
    expect(stats.byRoute).toMatchObject({
      shipment_post: 1,
      shipment: 1,
      shipment_put: 1,
      shipment_delete: 1,
      other: 1,
    });
    expect(stats.writesApplied).toBe(3);
    expect(
      stats.requestLog.filter((e) => e.route.startsWith("shipment")).map((e) => e.orderId),
    ).toEqual([12345, 12345, 12345, 12345]);
  });

  it("fault rules match the new routes and method DELETE", async () => {
    const [first] = lines();
    const created = await ship([{ order_product_id: first?.id ?? 0, quantity: 1 }]);
    sandbox.setFaults([
      { method: "DELETE", kind: "applied_then_status", status: 502, schedule: { count: 1 } },
      { route: "shipment_put", kind: "status", status: 503, schedule: { count: 1 } },
    ]);
    expect(
      (await call("PUT", `/orders/12345/shipments/${created.id}`, { comments: "a" })).status,
    ).toBe(503);
    expect(sandbox.store.listShipments(12345)[0]?.comments).toBe("");
    // Applied, then the answer is lost: the shipment is gone and its quantity back.
    expect((await call("DELETE", `/orders/12345/shipments/${created.id}`)).status).toBe(502);
    expect(sandbox.store.listShipments(12345)).toEqual([]);
    expect(lines()[0]?.quantity_shipped).toBe(0);
  });
});
