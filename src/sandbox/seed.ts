import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { countryByCode } from "./countries.js";
import { SandboxError } from "./errors.js";
import { BILLING_FIELDS, SYSTEM_STATUSES } from "./policy.js";
import { createRandom, mixSeed, pick, type Random, randomInt } from "./random.js";
import type {
  SampleOrderKind,
  SeedAddress,
  SeedData,
  SeedOrder,
  SeedProduct,
  SeedShipment,
  SeedShippingAddress,
} from "./types.js";

/**
 * samples/store.json, found relative to this module: src/sandbox/ and dist/sandbox/ are both two
 * levels below the package root.
 */
export const DEFAULT_SEED_FILE: string = fileURLToPath(
  new URL("../../samples/store.json", import.meta.url),
);

/** First id of generated orders (the sample fixture uses 12345…). */
export const GENERATED_FIRST_ID = 100000;

/**
 * The first this-many generated orders (ids 100000–100099) are always plain: a shipping address
 * `id * 10 + 1` with something left to ship, nothing shipped, no shipment. The end-to-end helpers
 * (test/helpers/e2e.ts `orderRows`) rely on that; the kinds below start after them.
 */
export const GENERATED_PLAIN_ORDERS = 100;

/**
 * Kinds given to generated orders after the plain ones, with their share (drawn from a stream of
 * their own, so the base order stays the same). Orders with two addresses or an extra digital line
 * occur among all orders.
 */
const GENERATED_KINDS: readonly { kind: "partially_shipped" | "digital_only"; share: number }[] = [
  { kind: "partially_shipped", share: 0.08 },
  { kind: "digital_only", share: 0.03 },
];

/** Salt of the kind stream (any constant: it only has to differ from the base stream's). */
const KIND_STREAM = 0x6b696e64;

/** Reads and checks a seed file (JSON in the shape of samples/store.json). */
export async function loadSeedFile(file: string = DEFAULT_SEED_FILE): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SandboxError("E_SANDBOX_SEED", `Cannot read the seed file ${file}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SandboxError("E_SANDBOX_SEED", `The seed file ${file} is not valid JSON`, {
      cause: error,
    });
  }
  checkSeed(data);
  return data;
}

/** Where orders come from: a fixed list, or a generator that builds an order on first use. */
export interface SeedSource {
  readonly count: number;
  ids(): number[];
  /** Ids from `min` to `max` (both inclusive), ascending. */
  idsBetween(min: number, max: number): number[];
  has(id: number): boolean;
  get(id: number): SeedOrder | undefined;
  /** Highest shipment id in the seed, so new shipments get fresh ids. */
  readonly maxShipmentId: number;
  readonly statuses: readonly { id: number; custom_label: string }[];
}

export function fixedSource(data: SeedData): SeedSource {
  checkSeed(data);
  const byId = new Map(data.orders.map((order) => [order.id, order]));
  const ids = [...byId.keys()].sort((a, b) => a - b);
  return {
    count: byId.size,
    ids: () => [...ids],
    idsBetween: (min, max) => ids.filter((id) => id >= min && id <= max),
    has: (id) => byId.has(id),
    get: (id) => byId.get(id),
    maxShipmentId: data.orders.reduce(
      (max, order) =>
        (order.shipments ?? []).reduce((m, shipment) => Math.max(m, shipment.id), max),
      0,
    ),
    statuses: data.statuses ?? [],
  };
}

/** Orders are generated on demand, so a 100 000-order store starts instantly (benchmarks). */
export function generatedSource(orders: number, seed = 1): SeedSource {
  if (!Number.isInteger(orders) || orders < 0) {
    throw new SandboxError(
      "E_SANDBOX_OPTIONS",
      `seed.generate.orders must be a whole number >= 0, got ${orders}`,
    );
  }
  const has = (id: number) =>
    Number.isInteger(id) && id >= GENERATED_FIRST_ID && id < GENERATED_FIRST_ID + orders;
  return {
    count: orders,
    ids: () => Array.from({ length: orders }, (_, i) => GENERATED_FIRST_ID + i),
    idsBetween: (min, max) => {
      const from = Math.max(GENERATED_FIRST_ID, Math.ceil(min));
      const to = Math.min(GENERATED_FIRST_ID + orders - 1, Math.floor(max));
      return to < from ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
    },
    has,
    get: (id) => (has(id) ? generateOrder(id, seed) : undefined),
    // Seeded shipments have id `order id * 10 + 1` (partially shipped orders); new ones come after.
    maxShipmentId: orders > GENERATED_PLAIN_ORDERS ? (GENERATED_FIRST_ID + orders - 1) * 10 + 1 : 0,
    statuses: [],
  };
}

/**
 * `orders` orders with ids from 100000 up; the same arguments always give the same data.
 * Mostly one shipping address with 1–3 physical lines, sometimes a digital line, a few with two
 * addresses. After the first GENERATED_PLAIN_ORDERS, some are partially shipped (one unit of the
 * first line, with a shipment) and some digital only (no shipping address).
 */
export function generateSeed(orders: number, seed = 1): SeedData {
  const source = generatedSource(orders, seed);
  return { orders: source.ids().map((id) => generateOrder(id, seed)) };
}

// ---- Generator ----

const FIRST_NAMES = [
  "Jane",
  "John",
  "Ana",
  "Luis",
  "Mei",
  "Omar",
  "Sofia",
  "Liam",
  "Emma",
  "Noah",
  "Aiko",
  "Lena",
];
const LAST_NAMES = [
  "Doe",
  "Smith",
  "Garcia",
  "Chen",
  "Khan",
  "Rossi",
  "Muller",
  "Brown",
  "Dubois",
  "Silva",
  "Novak",
];
const STREETS = [
  "Main Street",
  "Oak Avenue",
  "High Street",
  "Market Street",
  "Station Road",
  "Park Lane",
];
const PRODUCTS = [
  { name: "Fog Linen Chambray Towel", sku: "FLCT" },
  { name: "Orbit Terrarium - Large", sku: "OTL" },
  { name: "Utility Caddy", sku: "UC" },
  { name: "Canvas Laundry Cart", sku: "CLC" },
  { name: "Tiered Wire Basket", sku: "TWB" },
  { name: "Chemex Coffeemaker 3 Cup", sku: "CC3C" },
];
const DIGITAL = [{ name: "Gift Wrapping Guide (PDF)", sku: "GWG-PDF" }];
/** Lines of digital-only orders (a separate list: adding to DIGITAL would change every order). */
const DOWNLOADS = [
  { name: "Gift Card Design Pack (download)", sku: "GCDP-DL" },
  { name: "Terrarium Care eBook", sku: "TCE-PDF" },
];

/** Billing countries of generated orders, weighted toward the US like a US store. */
const PLACES: readonly {
  country: string;
  iso2: string;
  cities: readonly { city: string; state: string; zip: string }[];
}[] = [
  {
    country: "United States",
    iso2: "US",
    cities: [
      { city: "Austin", state: "Texas", zip: "78751" },
      { city: "Portland", state: "Oregon", zip: "97201" },
      { city: "Denver", state: "Colorado", zip: "80202" },
      { city: "Boston", state: "Massachusetts", zip: "02108" },
    ],
  },
  {
    country: "Canada",
    iso2: "CA",
    cities: [{ city: "Toronto", state: "Ontario", zip: "M5V 2T6" }],
  },
  {
    country: "United Kingdom",
    iso2: "GB",
    cities: [{ city: "London", state: "London", zip: "SW1A 1AA" }],
  },
  { country: "Germany", iso2: "DE", cities: [{ city: "Berlin", state: "Berlin", zip: "10115" }] },
  { country: "France", iso2: "FR", cities: [{ city: "Lyon", state: "Rhone", zip: "69002" }] },
  { country: "Spain", iso2: "ES", cities: [{ city: "Madrid", state: "Madrid", zip: "28013" }] },
  {
    country: "Australia",
    iso2: "AU",
    cities: [{ city: "Sydney", state: "New South Wales", zip: "2000" }],
  },
];

const GENERATED_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);

/** BigCommerce's date format (RFC 2822 with a numeric zone), e.g. "Mon, 11 Mar 2019 17:22:08 +0000". */
export function formatBcDate(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

function randomAddress(random: Random, first: string, last: string): SeedAddress {
  const place = random() < 0.7 ? PLACES[0] : pick(random, PLACES);
  const where = pick(random, place?.cities ?? []);
  return {
    first_name: first,
    last_name: last,
    company: random() < 0.2 ? `${last} & Co` : "",
    street_1: `${randomInt(random, 1, 999)} ${pick(random, STREETS)}`,
    street_2: "",
    city: where.city,
    state: where.state,
    zip: where.zip,
    country: place?.country ?? "United States",
    country_iso2: place?.iso2 ?? "US",
    phone: `555-${randomInt(random, 100, 999)}-${randomInt(random, 1000, 9999)}`,
    email: `${first}.${last}@example.com`.toLowerCase(),
  };
}

function price(random: Random): string {
  return (randomInt(random, 500, 15000) / 100).toFixed(4);
}

/** One generated order; ids of its addresses, lines and shipments derive from the order id, so they never collide. */
export function generateOrder(id: number, seed = 1): SeedOrder {
  const order = generatePlainOrder(id, seed);
  if (id - GENERATED_FIRST_ID < GENERATED_PLAIN_ORDERS) return order;
  const random = createRandom(mixSeed(seed ^ KIND_STREAM, id));
  const draw = random();
  let below = 0;
  for (const { kind, share } of GENERATED_KINDS) {
    below += share;
    if (draw >= below) continue;
    if (kind === "partially_shipped") return partiallyShipped(order);
    return digitalOnly(order, random);
  }
  return order;
}

/** One unit of the first line is shipped, by a shipment of its own; status Partially Shipped. */
function partiallyShipped(order: SeedOrder): SeedOrder {
  const line = order.products.find((product) => product.type === "physical");
  if (line === undefined) return order;
  line.quantity = Math.max(2, line.quantity);
  line.quantity_shipped = 1;
  const shipment: SeedShipment = {
    id: order.id * 10 + 1,
    order_address_id: line.order_address_id,
    date_created: formatBcDate(Date.parse(order.date_created) + 86_400_000),
    tracking_number: `1ZSEED${order.id}`,
    shipping_provider: "ups",
    tracking_carrier: "",
    items: [{ order_product_id: line.id, quantity: 1 }],
  };
  return { ...order, status_id: 3, shipments: [shipment] };
}

/** Downloads only: no shipping address, nothing to ship (order 12351 of samples/store.json is one). */
function digitalOnly(order: SeedOrder, random: Random): SeedOrder {
  const download = pick(random, DOWNLOADS);
  return {
    ...order,
    // Awaiting Fulfillment, never Completed: tests use Completed as a status no order has yet.
    status_id: 11,
    shipping_cost_ex_tax: "0.0000",
    shipping_addresses: [],
    products: [
      {
        id: order.id * 10 + 1,
        product_id: 210 + DOWNLOADS.indexOf(download),
        name: download.name,
        sku: download.sku,
        type: "digital",
        order_address_id: 0,
        quantity: 1,
        quantity_shipped: 0,
        price_ex_tax: price(random),
      },
    ],
    shipments: [],
  };
}

/** The kinds `order` is, as the banner names them (an order can be several). */
export function orderKinds(order: SeedOrder): SampleOrderKind[] {
  const physical = order.products.filter((product) => product.type === "physical");
  const total = physical.reduce((sum, product) => sum + product.quantity, 0);
  const shipped = physical.reduce((sum, product) => sum + product.quantity_shipped, 0);
  const kinds: SampleOrderKind[] = [];
  if (physical.length === 0 && order.products.length > 0) kinds.push("digital_only");
  if (order.shipping_addresses.length === 1 && physical.length > 0 && shipped === 0)
    kinds.push("single_address");
  if (order.shipping_addresses.length >= 2) kinds.push("several_addresses");
  if (shipped > 0 && shipped < total) kinds.push("partially_shipped");
  return kinds;
}

const SAMPLE_KINDS = 4;

/**
 * The first order of each kind, looking at no more than `scanLimit` orders (a generated store
 * builds each order it looks at; the kinds occur within a few hundred).
 */
export function sampleOrders(
  source: SeedSource,
  scanLimit = 5000,
): Partial<Record<SampleOrderKind, number>> {
  const samples: Partial<Record<SampleOrderKind, number>> = {};
  let found = 0;
  for (const id of source.ids().slice(0, scanLimit)) {
    const order = source.get(id);
    for (const kind of order === undefined ? [] : orderKinds(order)) {
      if (samples[kind] !== undefined) continue;
      samples[kind] = id;
      found += 1;
    }
    if (found === SAMPLE_KINDS) break;
  }
  return samples;
}

function generatePlainOrder(id: number, seed: number): SeedOrder {
  const random = createRandom(mixSeed(seed, id));
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const billing = randomAddress(random, first, last);
  const addressCount = random() < 0.08 ? 2 : 1;
  const shippingAddresses: SeedShippingAddress[] = [];
  const products: SeedProduct[] = [];
  let nextProduct = 1;
  for (let a = 1; a <= addressCount; a += 1) {
    const addressId = id * 10 + a;
    const address =
      a === 1 ? { ...billing } : randomAddress(random, pick(random, FIRST_NAMES), last);
    shippingAddresses.push({ id: addressId, ...address, shipping_method: "Flat Rate" });
    const lines = randomInt(random, 1, 3);
    for (let l = 0; l < lines; l += 1) {
      const product = pick(random, PRODUCTS);
      const productId = id * 10 + nextProduct;
      nextProduct += 1;
      products.push({
        id: productId,
        product_id: 100 + PRODUCTS.indexOf(product),
        name: product.name,
        sku: product.sku,
        type: "physical",
        order_address_id: addressId,
        quantity: randomInt(random, 1, 3),
        quantity_shipped: 0,
        price_ex_tax: price(random),
      });
    }
  }
  if (random() < 0.15 && nextProduct <= 9) {
    const digital = pick(random, DIGITAL);
    products.push({
      id: id * 10 + nextProduct,
      product_id: 200,
      name: digital.name,
      sku: digital.sku,
      type: "digital",
      order_address_id: 0,
      quantity: 1,
      quantity_shipped: 0,
      price_ex_tax: price(random),
    });
  }
  const statusDraw = random();
  return {
    id,
    status_id: statusDraw < 0.8 ? 11 : statusDraw < 0.9 ? 9 : 7,
    customer_id: randomInt(random, 1, 5000),
    date_created: formatBcDate(GENERATED_EPOCH + (id - GENERATED_FIRST_ID) * 61_000),
    staff_notes: "",
    customer_message: "",
    payment_method: "Credit Card",
    currency_code: "USD",
    shipping_cost_ex_tax: (addressCount * 9.99).toFixed(4),
    billing_address: billing,
    shipping_addresses: shippingAddresses,
    products,
    shipments: [],
  };
}

// ---- Checks ----

function fail(message: string): never {
  throw new SandboxError("E_SANDBOX_SEED", `Seed data: ${message}`);
}

const isInt = (value: unknown): value is number => Number.isInteger(value);

function checkAddress(where: string, address: unknown): void {
  if (typeof address !== "object" || address === null) fail(`${where} is not an object`);
  const record = address as Record<string, unknown>;
  for (const field of BILLING_FIELDS) {
    if (typeof record[field] !== "string") fail(`${where}.${field} must be a string`);
  }
  if (countryByCode(String(record.country_iso2)) === undefined) {
    fail(`${where}.country_iso2 ${JSON.stringify(record.country_iso2)} is not a known country`);
  }
}

/** Throws SandboxError E_SANDBOX_SEED unless `data` is consistent seed data. */
export function checkSeed(data: unknown): asserts data is SeedData {
  if (typeof data !== "object" || data === null || !Array.isArray((data as SeedData).orders)) {
    fail("expected an object with an `orders` array");
  }
  const seed = data as SeedData;
  for (const status of seed.statuses ?? []) {
    if (
      !SYSTEM_STATUSES.some((s) => s.id === status.id) ||
      typeof status.custom_label !== "string"
    ) {
      fail(`status ${JSON.stringify(status)} needs a system status id (0-14) and a custom_label`);
    }
  }
  const orderIds = new Set<number>();
  for (const order of seed.orders) {
    const where = `order ${order?.id}`;
    if (!isInt(order?.id) || order.id <= 0) fail(`${where}: id must be a positive integer`);
    if (orderIds.has(order.id)) fail(`${where}: duplicate id`);
    orderIds.add(order.id);
    if (!isInt(order.status_id) || !SYSTEM_STATUSES.some((s) => s.id === order.status_id)) {
      fail(`${where}: status_id must be 0-14`);
    }
    checkAddress(`${where} billing_address`, order.billing_address);
    const addressIds = new Set<number>();
    for (const address of order.shipping_addresses ??
      fail(`${where}: shipping_addresses missing`)) {
      if (!isInt(address.id) || address.id <= 0 || addressIds.has(address.id)) {
        fail(`${where}: shipping address ids must be unique positive integers`);
      }
      addressIds.add(address.id);
      checkAddress(`${where} shipping address ${address.id}`, address);
    }
    const products = new Map<number, SeedProduct>();
    for (const product of order.products ?? fail(`${where}: products missing`)) {
      const at = `${where} product ${product.id}`;
      if (!isInt(product.id) || product.id <= 0 || products.has(product.id)) {
        fail(`${at}: ids must be unique positive integers`);
      }
      products.set(product.id, product);
      if (
        product.type === "physical"
          ? !addressIds.has(product.order_address_id)
          : product.order_address_id !== 0
      ) {
        fail(`${at}: physical lines need one of the order's addresses, others order_address_id 0`);
      }
      if (!isInt(product.quantity) || product.quantity < 1) fail(`${at}: quantity must be >= 1`);
      if (
        !isInt(product.quantity_shipped) ||
        product.quantity_shipped < 0 ||
        product.quantity_shipped > product.quantity
      ) {
        fail(`${at}: quantity_shipped must be 0..quantity`);
      }
      if (!Number.isFinite(Number.parseFloat(product.price_ex_tax)))
        fail(`${at}: price_ex_tax must be a decimal string`);
    }
    for (const shipment of order.shipments ?? []) {
      if (!isInt(shipment.id) || !addressIds.has(shipment.order_address_id)) {
        fail(
          `${where} shipment ${shipment.id}: needs an integer id and one of the order's addresses`,
        );
      }
      for (const item of shipment.items) {
        if (!products.has(item.order_product_id)) {
          fail(
            `${where} shipment ${shipment.id}: unknown order_product_id ${item.order_product_id}`,
          );
        }
      }
    }
  }
}
