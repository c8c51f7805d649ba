import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  formatSandboxBanner,
  GENERATED_FIRST_ID,
  generateSeed,
  loadSeedFile,
  runSandboxCommand,
  type Sandbox,
  type SeedData,
  startSandbox,
} from "../../src/sandbox/index.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const auth = { "X-Auth-Token": "sandbox-token" };

describe("generateSeed", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(generateSeed(50, 7)).toEqual(generateSeed(50, 7));
    expect(generateSeed(50, 7)).not.toEqual(generateSeed(50, 8));
    expect(generateSeed(3).orders.map((o) => o.id)).toEqual([100000, 100001, 100002]);
  });

  it("makes mostly one address with 1-3 physical lines, some digital lines, a few two-address orders", () => {
    // The first 100 orders are plain (the e2e helpers rely on it); other kinds come after them.
    const { orders } = generateSeed(100, 3);
    for (const order of orders) {
      expect([1, 2]).toContain(order.shipping_addresses.length);
      for (const address of order.shipping_addresses) {
        const lines = order.products.filter(
          (p) => p.type === "physical" && p.order_address_id === address.id,
        );
        expect(lines.length).toBeGreaterThanOrEqual(1);
        expect(lines.length).toBeLessThanOrEqual(3);
      }
      expect(order.products.every((p) => p.quantity_shipped === 0)).toBe(true);
    }
    const twoAddresses = orders.filter((o) => o.shipping_addresses.length === 2).length;
    expect(twoAddresses).toBeGreaterThan(0);
    expect(twoAddresses).toBeLessThan(orders.length / 4);
    expect(orders.some((o) => o.products.some((p) => p.type === "digital"))).toBe(true);
  });

  it("serves a generated store: ids from 100000, same data as generateSeed, writes persist", async () => {
    // Orders are built on first use, so starting a 100 000-order store is quick.
    sandbox = await startSandbox({ seed: { generate: { orders: 100_000, seed: 5 } }, quota: 0 });
    expect(sandbox.info.orderCount).toBe(100_000);
    const base = `${sandbox.url}/stores/sandbox/v2`;
    const last = GENERATED_FIRST_ID + 99_999;
    const order = await fetch(`${base}/orders/${last}`, { headers: auth });
    expect(order.status).toBe(200);
    expect((await fetch(`${base}/orders/${last + 1}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/orders/12345`, { headers: auth })).status).toBe(404);
    const expected = generateSeed(2, 5).orders[1];
    const products = (await (
      await fetch(`${base}/orders/100001/products`, { headers: auth })
    ).json()) as {
      id: number;
    }[];
    expect(products.map((p) => p.id)).toEqual(expected?.products.map((p) => p.id));
    const put = await fetch(`${base}/orders/150000`, {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ status_id: 5 }),
    });
    expect(put.status).toBe(200);
    expect(sandbox.store.getOrder(150000)?.status_id).toBe(5);
  });

  it("accepts generated seed data passed as SeedData", async () => {
    sandbox = await startSandbox({ seed: generateSeed(10, 2) });
    expect(sandbox.store.orderIds()).toHaveLength(10);
    expect(sandbox.store.orders().map((o) => o.id)).toEqual(sandbox.store.orderIds());
  });
});

describe("samples/store.json", () => {
  it("is valid seed data with the orders the demo input needs", async () => {
    const seed = await loadSeedFile();
    const byId = new Map(seed.orders.map((order) => [order.id, order]));
    const csv = await readFile(new URL("../../samples/orders.csv", import.meta.url), "utf8");
    const csvIds = new Set(
      csv
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => Number(line.split(",")[0])),
    );
    for (const id of csvIds) expect(byId.has(id)).toBe(id !== 99999);
    expect(byId.get(12345)?.billing_address).toMatchObject({
      first_name: "John",
      last_name: "Smith",
      street_1: "123 Main Street",
      city: "Austin",
      state: "Texas",
      zip: "78751",
      country: "United States",
      country_iso2: "US",
    });
    expect(byId.get(12348)?.status_id).toBe(9);
    expect(byId.get(12351)?.shipping_addresses).toEqual([]);
    expect(byId.get(12349)?.shipping_addresses.map((a) => a.id)).toEqual([1003, 1004]);
    expect(byId.get(12350)?.shipping_addresses.map((a) => a.id)).toEqual([1005, 1006]);
    expect(byId.get(12353)).toMatchObject({ status_id: 2 });
    expect(byId.get(12353)?.shipments).toHaveLength(1);
    expect(byId.get(12353)?.products.every((p) => p.quantity_shipped === p.quantity)).toBe(true);
    expect(seed.statuses).toContainEqual({ id: 12, custom_label: "Fraud Check" });
  });

  it("is served by default", async () => {
    sandbox = await startSandbox();
    expect(sandbox.store.orderIds()).toContain(12345);
    expect(sandbox.store.getOrder(12352)?.total_tax).toBe("0.0000");
    expect(sandbox.store.hasOrder(99999)).toBe(false);
  });
});

describe("start-up errors", () => {
  it.each([
    [{ port: -1 }],
    [{ quota: -5 }],
    [{ windowMs: 0 }],
    [{ latencyMs: Number.NaN }],
    [{ storeHash: "a/b" }],
    [{ accessToken: "" }],
    [{ seed: { generate: { orders: -1 } } }],
  ])("refuses bad options %j with E_SANDBOX_OPTIONS", async (options) => {
    await expect(startSandbox(options)).rejects.toMatchObject({ code: "E_SANDBOX_OPTIONS" });
  });

  it("refuses inconsistent seed data with E_SANDBOX_SEED", async () => {
    const good = generateSeed(1);
    const broken: SeedData = structuredClone(good);
    const product = broken.orders[0]?.products[0];
    if (product) product.quantity_shipped = product.quantity + 1;
    await expect(startSandbox({ seed: broken })).rejects.toMatchObject({ code: "E_SANDBOX_SEED" });
    await expect(
      startSandbox({ seed: { orders: [good.orders[0], good.orders[0]] } as SeedData }),
    ).rejects.toMatchObject({
      code: "E_SANDBOX_SEED",
    });
    await expect(loadSeedFile("/nonexistent/store.json")).rejects.toMatchObject({
      code: "E_SANDBOX_SEED",
    });
  });

  it("reports a taken port with E_SANDBOX_LISTEN", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      await expect(startSandbox({ port })).rejects.toMatchObject({ code: "E_SANDBOX_LISTEN" });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("standalone command", () => {
  it("formats the banner with the URL and the export lines", async () => {
    sandbox = await startSandbox({ storeHash: "abc123", accessToken: "tok en" });
    const banner = formatSandboxBanner(sandbox);
    expect(banner).toContain(sandbox.url);
    const exports = banner.split("\n").filter((line) => line.startsWith("export "));
    expect(exports).toEqual([
      `export BIGCOMMERCE_API_URL=${sandbox.url}`,
      "export BIGCOMMERCE_STORE_HASH=abc123",
      "export BIGCOMMERCE_ACCESS_TOKEN='tok en'",
    ]);
    expect(sandbox.env).toEqual({
      BIGCOMMERCE_API_URL: sandbox.url,
      BIGCOMMERCE_STORE_HASH: "abc123",
      BIGCOMMERCE_ACCESS_TOKEN: "tok en",
    });
  });

  it("runs until the signal aborts, then closes", async () => {
    const controller = new AbortController();
    const printed: string[] = [];
    const running = runSandboxCommand(
      { port: 0, orders: 20, quota: 10 },
      controller.signal,
      (text) => {
        printed.push(text);
      },
    );
    while (printed.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const url = /export BIGCOMMERCE_API_URL=(\S+)/.exec(printed[0] ?? "")?.[1];
    const answer = await fetch(`${url}/stores/sandbox/v2/orders/100019`, { headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-rate-limit-requests-quota")).toBe("10");
    controller.abort();
    await running;
    await expect(
      fetch(`${url}/stores/sandbox/v2/orders/100019`, { headers: auth }),
    ).rejects.toThrow();
  });
});
