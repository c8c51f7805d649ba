// The kinds of order a generated store holds, and the banner that names one of each (issues 12, 14).
import { afterEach, describe, expect, it } from "vitest";
import {
  formatSandboxBanner,
  GENERATED_FIRST_ID,
  generateSeed,
  type Sandbox,
  type SeedOrder,
  startSandbox,
} from "../../src/sandbox/index.js";
import { runCli, spawnCli } from "../helpers/cli.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const auth = { "X-Auth-Token": "sandbox-token" };

const physical = (order: SeedOrder) => order.products.filter((p) => p.type === "physical");
const shipped = (order: SeedOrder) => physical(order).reduce((n, p) => n + p.quantity_shipped, 0);
const ordered = (order: SeedOrder) => physical(order).reduce((n, p) => n + p.quantity, 0);

const isPartial = (o: SeedOrder) => shipped(o) > 0 && shipped(o) < ordered(o);
const isDigitalOnly = (o: SeedOrder) => physical(o).length === 0 && o.products.length > 0;

describe("generated orders", () => {
  const { orders } = generateSeed(1000, 4);

  it("the first 100 are plain: address id*10+1 with lines, nothing shipped, never Completed", () => {
    for (const order of orders.slice(0, 100)) {
      const first = order.shipping_addresses.find((a) => a.id === order.id * 10 + 1);
      expect(first, `order ${order.id}`).toBeDefined();
      expect(physical(order).some((p) => p.order_address_id === first?.id)).toBe(true);
      expect(shipped(order)).toBe(0);
      expect(order.shipments ?? []).toEqual([]);
      expect(order.status_id).not.toBe(10);
    }
  });

  it("later ones include partially shipped, digital-only and two-address orders, all with SKUs", () => {
    const later = orders.slice(100);
    const partial = later.filter(isPartial);
    const digital = later.filter(isDigitalOnly);
    const several = orders.filter((o) => o.shipping_addresses.length >= 2);
    expect(partial.length).toBeGreaterThan(20);
    expect(digital.length).toBeGreaterThan(5);
    expect(several.length).toBeGreaterThan(20);
    for (const order of partial) {
      expect(order.status_id).toBe(3); // Partially Shipped
      expect(order.shipments).toHaveLength(1);
      const [shipment] = order.shipments ?? [];
      const shippedLines = physical(order).filter((p) => p.quantity_shipped > 0);
      expect(shipment?.items).toEqual(
        shippedLines.map((p) => ({ order_product_id: p.id, quantity: p.quantity_shipped })),
      );
      // Something is still left to ship at address id*10+1.
      expect(
        physical(order).some(
          (p) => p.order_address_id === order.id * 10 + 1 && p.quantity > p.quantity_shipped,
        ),
      ).toBe(true);
    }
    for (const order of digital) {
      expect(order.shipping_addresses).toEqual([]);
      expect(order.products.every((p) => p.order_address_id === 0)).toBe(true);
      expect(order.status_id).not.toBe(10);
    }
    for (const order of orders) {
      for (const product of order.products) expect(product.sku).toMatch(/^[A-Z0-9-]+$/);
    }
    expect(orders.some((o) => o.status_id === 10)).toBe(false);
  });

  it("a served store: seeded shipments are readable, new shipment ids are fresh", async () => {
    sandbox = await startSandbox({ seed: { generate: { orders: 1000, seed: 4 } }, quota: 0 });
    const partial = orders.slice(100).find(isPartial) as SeedOrder;
    const base = `${sandbox.url}/stores/sandbox/v2`;
    const listed = await fetch(`${base}/orders/${partial.id}/shipments`, { headers: auth });
    expect(listed.status).toBe(200);
    const seeded = (await listed.json()) as { id: number }[];
    expect(seeded.map((s) => s.id)).toEqual(partial.shipments?.map((s) => s.id));
    const line = physical(partial).find((p) => p.quantity > p.quantity_shipped);
    const created = await fetch(`${base}/orders/${partial.id}/shipments`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        order_address_id: line?.order_address_id,
        items: [{ order_product_id: line?.id, quantity: 1 }],
        shipping_provider: "",
      }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: number }).id;
    const allSeeded = orders.flatMap((o) => (o.shipments ?? []).map((s) => s.id));
    expect(allSeeded).not.toContain(id);
  });

  it("sandbox.info names the id range and one order of each kind", async () => {
    sandbox = await startSandbox({ seed: { generate: { orders: 500 } } });
    expect(sandbox.info).toMatchObject({ firstOrderId: 100000, lastOrderId: 100499 });
    const { samples } = sandbox.info;
    const byId = new Map(generateSeed(500).orders.map((o) => [o.id, o]));
    const get = (id: number | undefined) => byId.get(id ?? 0) as SeedOrder;
    expect(get(samples.single_address).shipping_addresses).toHaveLength(1);
    expect(shipped(get(samples.single_address))).toBe(0);
    expect(get(samples.several_addresses).shipping_addresses.length).toBeGreaterThanOrEqual(2);
    expect(isDigitalOnly(get(samples.digital_only))).toBe(true);
    expect(isPartial(get(samples.partially_shipped))).toBe(true);
  });

  it("the sample store's kinds, and an empty store", async () => {
    sandbox = await startSandbox();
    expect(sandbox.info).toMatchObject({
      firstOrderId: 12345,
      lastOrderId: 12353,
      samples: {
        single_address: 12345,
        several_addresses: 12349,
        digital_only: 12351,
        partially_shipped: 12348,
      },
    });
    await sandbox.close();
    sandbox = await startSandbox({ seed: { orders: [] } });
    expect(sandbox.info.samples).toEqual({});
    expect(sandbox.info.firstOrderId).toBeUndefined();
    expect(formatSandboxBanner(sandbox)).toContain("export BIGCOMMERCE_API_URL=");
  });
});

describe("the banner", () => {
  it("names the range and the sample ids; one order and one request are singular", async () => {
    sandbox = await startSandbox({ seed: { generate: { orders: 500 } } });
    const banner = formatSandboxBanner(sandbox);
    expect(banner).toContain("100000-100499");
    for (const id of Object.values(sandbox.info.samples)) expect(banner).toContain(String(id));
    await sandbox.close();
    sandbox = await startSandbox({ seed: { generate: { orders: 1 } }, quota: 1 });
    const one = formatSandboxBanner(sandbox);
    expect(one).not.toMatch(/\b1 orders\b/);
    expect(one).not.toMatch(/\b1 requests\b/);
    expect(one).toMatch(/\b1 order\b/);
  });
});

describe("bc-order-batch sandbox (built CLI)", () => {
  it("--orders 500 --port 0 prints the seeded range and sample orders that the store serves", async () => {
    const cli = spawnCli(["sandbox", "--orders", "500", "--port", "0"]);
    await cli.waitForOutput(/export BIGCOMMERCE_ACCESS_TOKEN=\S+\n/, "stdout");
    const stdout = cli.output("stdout");
    cli.child.kill("SIGTERM");
    const run = await cli.result;
    expect(run.code).toBe(0);

    expect(stdout).toContain(`${GENERATED_FIRST_ID}-${GENERATED_FIRST_ID + 499}`);
    const expected = await startSandbox({ seed: { generate: { orders: 500 } } });
    try {
      for (const id of Object.values(expected.info.samples)) {
        expect(stdout).toContain(` ${id}`);
      }
      expect(Object.keys(expected.info.samples).sort()).toEqual([
        "digital_only",
        "partially_shipped",
        "several_addresses",
        "single_address",
      ]);
    } finally {
      await expected.close();
    }
  });

  it("sandbox --help describes every flag", async () => {
    const run = await runCli(["sandbox", "--help"]);
    expect(run.code).toBe(0);
    const flags = run.stdout.split("\n").filter((line) => /^\s+--/.test(line));
    expect(flags.map((line) => line.trim().split(/\s+/)[0])).toEqual(
      expect.arrayContaining(["--port", "--orders", "--quota", "--window", "--latency"]),
    );
    for (const line of flags) {
      // "--flag  Description words   [type] [default]": text between the flag and the brackets.
      const description = line
        .trim()
        .replace(/^--\S+/, "")
        .replace(/\[.*$/, "")
        .trim();
      expect(description.length, line).toBeGreaterThan(3);
    }
  });
});
