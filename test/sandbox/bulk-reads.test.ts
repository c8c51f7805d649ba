// GET /orders filters and the consignments include (issue 12; docs/bigcommerce-api.md §6, §11).
import { afterEach, describe, expect, it } from "vitest";
import {
  type FaultRule,
  GENERATED_FIRST_ID,
  generateSeed,
  type Sandbox,
  type SandboxOptions,
  type SeedData,
  type SeedOrder,
  startSandbox,
} from "../../src/sandbox/index.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ quota: 0, ...options });
  return sandbox;
}

interface Answer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field.
  json: any;
}

async function get(store: Sandbox, path: string): Promise<Answer> {
  const response = await fetch(`${store.url}/stores/sandbox/v2${path}`, {
    headers: { "X-Auth-Token": store.env.BIGCOMMERCE_ACCESS_TOKEN, Accept: "application/json" },
  });
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  return { status: response.status, text, json: isJson ? JSON.parse(text) : undefined };
}

const ids = (answer: Answer): number[] => answer.json.map((order: { id: number }) => order.id);

const OBJECT = "consignment_structure=object";

/** A seed order with `lines` physical lines on its first address and 2 on a second, plus a download. */
function bigOrder(id: number, lines: number): SeedOrder {
  const base = generateSeed(1).orders[0] as SeedOrder;
  const address = (n: number) => ({ ...base.billing_address, id: id * 100 + n });
  const line = (n: number, addressId: number) => ({
    id: id * 1000 + n,
    product_id: 100 + (n % 5),
    name: `Line ${n}`,
    sku: `SKU-${n}`,
    type: "physical" as const,
    order_address_id: addressId,
    quantity: 1,
    quantity_shipped: 0,
    price_ex_tax: "1.0000",
  });
  return {
    ...base,
    id,
    shipments: [],
    shipping_addresses: [address(1), address(2)],
    products: [
      ...Array.from({ length: lines }, (_, i) => line(i + 1, id * 100 + 1)),
      line(lines + 1, id * 100 + 2),
      line(lines + 2, id * 100 + 2),
      {
        ...line(lines + 3, 0),
        type: "digital" as const,
        name: "Manual (PDF)",
        sku: "MAN-PDF",
      },
    ],
  };
}

describe("GET /orders filters", () => {
  it("min_id and max_id bound the ids (inclusive), with sort, page and limit", async () => {
    const store = await start({ seed: { generate: { orders: 300 } } });
    const first = GENERATED_FIRST_ID;
    expect(ids(await get(store, `/orders?min_id=${first + 10}&max_id=${first + 14}`))).toEqual([
      first + 10,
      first + 11,
      first + 12,
      first + 13,
      first + 14,
    ]);
    expect(
      ids(await get(store, `/orders?min_id=${first + 10}&max_id=${first + 14}&sort=id:desc`)),
    ).toEqual([first + 14, first + 13, first + 12, first + 11, first + 10]);
    expect(
      ids(await get(store, `/orders?min_id=${first + 10}&max_id=${first + 19}&limit=4&page=3`)),
    ).toEqual([first + 18, first + 19]);
    // Default 50, at most 250 a page.
    expect(ids(await get(store, `/orders?min_id=${first + 100}`))).toHaveLength(50);
    expect(ids(await get(store, `/orders?min_id=${first}&limit=250`))).toHaveLength(250);
    expect(ids(await get(store, `/orders?max_id=${first}`))).toEqual([first]);
    const empty = await get(store, `/orders?min_id=${first + 20}&max_id=${first + 10}`);
    expect(empty.status).toBe(204);
    expect(empty.text).toBe("");
    const past = await get(store, `/orders?min_id=${first + 10}&max_id=${first + 14}&page=2`);
    expect(past.status).toBe(204);
  });

  it("limit above 250 is a 413 with a V2 error body, also with filters and include", async () => {
    const store = await start({ seed: { generate: { orders: 20 } } });
    const answer = await get(
      store,
      `/orders?min_id=${GENERATED_FIRST_ID}&limit=251&include=consignments.line_items&${OBJECT}`,
    );
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual([{ status: 413, message: expect.any(String) }]);
  });

  it("status_id keeps one status, pages over the matching orders, and sees PUT changes", async () => {
    const store = await start({ seed: { generate: { orders: 60 } } });
    const all = store.store.orders();
    const awaiting = all.filter((order) => order.status_id === 11).map((order) => order.id);
    expect(awaiting.length).toBeGreaterThan(5);
    const answer = await get(store, "/orders?status_id=11&limit=250");
    expect(ids(answer)).toEqual(awaiting);
    expect(answer.json.every((order: { status_id: number }) => order.status_id === 11)).toBe(true);
    expect(ids(await get(store, "/orders?status_id=11&limit=3&page=2"))).toEqual(
      awaiting.slice(3, 6),
    );
    expect(ids(await get(store, "/orders?status_id=11&sort=id:desc&limit=2"))).toEqual(
      awaiting.slice(-2).reverse(),
    );
    // Completed: no generated order has it until a PUT sets it.
    expect((await get(store, "/orders?status_id=10")).status).toBe(204);
    const put = await fetch(`${store.url}/stores/sandbox/v2/orders/${awaiting[0]}`, {
      method: "PUT",
      headers: {
        "X-Auth-Token": store.env.BIGCOMMERCE_ACCESS_TOKEN,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ status_id: 10 }),
    });
    expect(put.status).toBe(200);
    expect(ids(await get(store, "/orders?status_id=10"))).toEqual([awaiting[0]]);
    // Filters combine.
    const some = awaiting.slice(1, 4);
    expect(
      ids(await get(store, `/orders?status_id=11&min_id=${some[0]}&max_id=${some.at(-1)}`)),
    ).toEqual(some);
  });

  it("refuses malformed filter values with 400", async () => {
    const store = await start();
    for (const query of ["?min_id=x", "?max_id=-1", "?status_id=1.5", "?min_id="]) {
      const answer = await get(store, `/orders${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json[0]).toMatchObject({ status: 400, details: expect.any(Object) });
    }
  });
});

describe("include=consignments", () => {
  it("consignments.line_items with consignment_structure=object: shipping, downloads, full lines", async () => {
    const store = await start();
    const answer = await get(store, `/orders/12348?include=consignments.line_items&${OBJECT}`);
    expect(answer.status).toBe(200);
    const order = answer.json;
    const products = store.store.listProducts(12348);
    const [address] = store.store.listShippingAddresses(12348);
    expect(order.consignments.pickups).toEqual([]);
    expect(order.consignments.email).toEqual({ gift_certificates: [] });
    expect(order.consignments.shipping).toHaveLength(1);
    const consignment = order.consignments.shipping[0];
    expect(consignment).toMatchObject({
      id: address?.id,
      first_name: address?.first_name,
      last_name: address?.last_name,
      company: address?.company,
      street_1: address?.street_1,
      street_2: address?.street_2,
      city: address?.city,
      state: address?.state,
      zip: address?.zip,
      country: address?.country,
      country_iso2: address?.country_iso2,
      phone: address?.phone,
      email: address?.email,
      items_total: address?.items_total,
      items_shipped: address?.items_shipped,
      shipping_method: address?.shipping_method,
    });
    // The same objects GET /products serves, physical ones under their address.
    expect(consignment.line_items).toEqual(products.filter((p) => p.type === "physical"));
    expect(order.consignments.downloads).toEqual([
      {
        recipient_email: order.billing_address.email,
        line_items: products.filter((p) => p.type === "digital"),
      },
    ]);
    expect(order.__warning__).toBeUndefined();
    // Everything else is the plain order.
    const { consignments: _link, ...plain } = store.store.getOrder(12348) ?? { consignments: 0 };
    const { consignments: _full, ...served } = order;
    expect(served).toEqual(plain);
  });

  it("without .line_items, line_items is a {url, resource} link; several addresses give several consignments", async () => {
    const store = await start();
    const answer = await get(store, `/orders/12350?include=consignments&${OBJECT}`);
    expect(answer.status).toBe(200);
    const shipping = answer.json.consignments.shipping;
    expect(shipping.map((c: { id: number }) => c.id)).toEqual([1005, 1006]);
    for (const consignment of shipping) {
      expect(consignment.line_items).toEqual({
        url: expect.stringContaining("/orders/12350/products"),
        resource: "/orders/12350/products",
      });
    }
  });

  it("a digital-only order has no shipping consignment, only downloads", async () => {
    const store = await start();
    const answer = await get(store, `/orders/12351?include=consignments.line_items&${OBJECT}`);
    expect(answer.json.consignments.shipping).toEqual([]);
    expect(answer.json.consignments.downloads[0].line_items).toHaveLength(1);
    expect(answer.json.consignments.downloads[0].line_items[0].type).toBe("digital");
  });

  it("without consignment_structure=object: the legacy array; without include: a link", async () => {
    const store = await start();
    const legacy = await get(store, "/orders/12345?include=consignments.line_items");
    expect(Array.isArray(legacy.json.consignments)).toBe(true);
    expect(legacy.json.consignments[0].shipping[0].line_items).toHaveLength(2);
    const plain = await get(store, "/orders/12345");
    expect(plain.json.consignments).toEqual({
      url: expect.stringContaining("/orders/12345/consignments"),
      resource: "/orders/12345/consignments",
    });
    expect(plain.json).toEqual(store.store.getOrder(12345));
  });

  it("include=fees adds an empty fees array; unknown include or structure values are 400", async () => {
    const store = await start();
    expect((await get(store, "/orders/12345?include=fees")).json.fees).toEqual([]);
    const both = await get(store, `/orders/12345?include=fees,consignments&${OBJECT}`);
    expect(both.json.fees).toEqual([]);
    expect(both.json.consignments.shipping).toHaveLength(1);
    for (const query of ["?include=coupons", `?include=consignments&consignment_structure=array`]) {
      expect((await get(store, `/orders/12345${query}`)).status, query).toBe(400);
      expect((await get(store, `/orders${query}`)).status, query).toBe(400);
    }
  });

  it("lists orders with their consignments, in the same shape as GET /orders/{id}", async () => {
    const store = await start({ seed: { generate: { orders: 30 } } });
    const query = `include=consignments.line_items&${OBJECT}`;
    const list = await get(store, `/orders?min_id=100010&max_id=100014&${query}`);
    expect(ids(list)).toEqual([100010, 100011, 100012, 100013, 100014]);
    for (const order of list.json) {
      expect(order).toEqual((await get(store, `/orders/${order.id}?${query}`)).json);
      const lines = order.consignments.shipping.flatMap(
        (c: { line_items: unknown[] }) => c.line_items,
      );
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatchObject({
          order_id: order.id,
          order_address_id: expect.any(Number),
          quantity: expect.any(Number),
          quantity_shipped: expect.any(Number),
          type: "physical",
          sku: expect.any(String),
        });
      }
    }
  });
});

describe("the 50-line cap on lists", () => {
  const seed: SeedData = { orders: [bigOrder(500, 60), bigOrder(501, 50)] };
  const query = `include=consignments.line_items&${OBJECT}`;

  it("a listed consignment with more than 50 lines brings 50, and the order a __warning__", async () => {
    const store = await start({ seed });
    const list = await get(store, `/orders?${query}`);
    const [capped, full] = list.json;
    expect(capped.id).toBe(500);
    expect(capped.consignments.shipping[0].line_items).toHaveLength(50);
    expect(capped.consignments.shipping[0].line_items).toEqual(
      store.store.listProducts(500).slice(0, 50),
    );
    // The docs#960 shape inside the consignment, and a string on the order.
    expect(capped.consignments.shipping[0].__warning__).toEqual({
      message: expect.stringContaining("/v2/orders/{order_id}/products"),
    });
    expect(typeof capped.__warning__).toBe("string");
    expect(capped.__warning__).toContain("/v2/orders/{order_id}/products");
    // The other consignment of that order is under the cap and complete.
    expect(capped.consignments.shipping[1].line_items).toHaveLength(2);
    expect(capped.consignments.shipping[1].__warning__).toBeUndefined();
    // Exactly 50 lines: no cut, no warning.
    expect(full.id).toBe(501);
    expect(full.consignments.shipping[0].line_items).toHaveLength(50);
    expect(full.__warning__).toBeUndefined();
    expect(full.consignments.shipping[0].__warning__).toBeUndefined();
  });

  it("GET /orders/{id} is not capped; links are not capped either", async () => {
    const store = await start({ seed });
    const one = await get(store, `/orders/500?${query}`);
    expect(one.json.consignments.shipping[0].line_items).toHaveLength(60);
    expect(one.json.__warning__).toBeUndefined();
    const links = await get(store, `/orders?include=consignments&${OBJECT}`);
    expect(links.json[0].__warning__).toBeUndefined();
  });
});

describe("data faults", () => {
  const query = `include=consignments.line_items&${OBJECT}`;

  it("empty_line_items: the chosen orders' consignments have line_items [], /products still has them", async () => {
    const faults: FaultRule[] = [{ kind: "empty_line_items", orderIds: [12345, 12349] }];
    const store = await start({ faults });
    const list = await get(store, `/orders?${query}`);
    for (const order of list.json) {
      const empty = order.id === 12345 || order.id === 12349;
      for (const consignment of order.consignments.shipping) {
        if (empty) expect(consignment.line_items, `order ${order.id}`).toEqual([]);
        else expect(consignment.line_items.length, `order ${order.id}`).toBeGreaterThan(0);
      }
      if (empty) expect(order.items_total).toBeGreaterThan(0);
    }
    const one = await get(store, `/orders/12345?${query}`);
    expect(one.json.consignments.shipping[0].line_items).toEqual([]);
    expect(store.store.listProducts(12345)).toHaveLength(2);
    const products = await get(store, "/orders/12345/products");
    expect(products.json).toHaveLength(2);
    // No `log` entry says a fault decided these answers: they are ordinary 200s.
    expect(store.stats().requestLog.every((entry) => entry.fault === undefined)).toBe(true);
  });

  it("consignment_id_mismatch: the consignment id matches no line's order_address_id", async () => {
    const store = await start({ faults: [{ kind: "consignment_id_mismatch", orderId: 12349 }] });
    const [address1, address2] = store.store.listShippingAddresses(12349);
    const answer = await get(store, `/orders/12349?${query}`);
    const shipping = answer.json.consignments.shipping;
    const lineAddresses = shipping.flatMap((c: { line_items: { order_address_id: number }[] }) =>
      c.line_items.map((line) => line.order_address_id),
    );
    expect(new Set(lineAddresses)).toEqual(new Set([address1?.id, address2?.id]));
    for (const consignment of shipping) {
      expect(lineAddresses).not.toContain(consignment.id);
      // Its lines still name the real address, the one a shipment must use.
      expect(consignment.line_items[0].order_address_id).toBeGreaterThan(0);
    }
    const other = await get(store, `/orders/12350?${query}`);
    expect(other.json.consignments.shipping.map((c: { id: number }) => c.id)).toEqual([1005, 1006]);
  });

  it("a data fault narrowed to route `orders` leaves GET /orders/{id} alone; setFaults replaces them", async () => {
    const store = await start({
      faults: [{ kind: "empty_line_items", orderId: 12345, route: "orders" }],
    });
    const listed = (await get(store, `/orders?max_id=12345&${query}`)).json[0];
    expect(listed.consignments.shipping[0].line_items).toEqual([]);
    const one = await get(store, `/orders/12345?${query}`);
    expect(one.json.consignments.shipping[0].line_items).toHaveLength(2);
    store.setFaults([]);
    const again = (await get(store, `/orders?max_id=12345&${query}`)).json[0];
    expect(again.consignments.shipping[0].line_items).toHaveLength(2);
  });

  it("refuses data faults with a schedule, probability or method, and bad orderIds", async () => {
    for (const rule of [
      { kind: "empty_line_items", schedule: { count: 1 } },
      { kind: "empty_line_items", probability: 0.5 },
      { kind: "consignment_id_mismatch", method: "GET" },
      { kind: "empty_line_items", orderIds: ["12345"] },
      { kind: "status", orderIds: 12345 },
    ]) {
      await expect(
        startSandbox({ faults: [rule as unknown as FaultRule] }),
        JSON.stringify(rule),
      ).rejects.toMatchObject({ code: "E_SANDBOX_OPTIONS" });
    }
  });

  it("orderIds also narrows ordinary faults", async () => {
    const store = await start({ faults: [{ kind: "status", status: 503, orderIds: [12346] }] });
    expect((await get(store, "/orders/12345")).status).toBe(200);
    expect((await get(store, "/orders/12346")).status).toBe(503);
    expect((await get(store, "/orders/12347")).status).toBe(200);
  });
});

describe("request counting", () => {
  it("counts GET /orders as `orders` and GET /orders/{id} as `order`, whatever the include", async () => {
    const store = await start();
    await get(store, "/orders?limit=2");
    await get(store, `/orders?min_id=12345&max_id=12350&include=consignments.line_items&${OBJECT}`);
    await get(store, "/orders?limit=251");
    await get(store, "/orders/12345");
    await get(store, `/orders/12345?include=consignments&${OBJECT}`);
    const stats = store.stats();
    expect(stats.byRoute).toEqual({ orders: 3, order: 2 });
    expect(stats.requestLog.map((entry) => [entry.route, entry.status])).toEqual([
      ["orders", 200],
      ["orders", 200],
      ["orders", 413],
      ["order", 200],
      ["order", 200],
    ]);
  });
});
