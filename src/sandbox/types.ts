/**
 * Public vocabulary of the sandbox store: a loopback HTTP server that behaves like the
 * BigCommerce V2 Orders API (https://developer.bigcommerce.com/docs/rest-management/orders), for
 * the demo, the end-to-end tests and the benchmarks (issue 3).
 * The resource shapes are written here, not taken from the tool's src/types.ts: the sandbox
 * describes what BigCommerce serves, the tool what it expects (test/sandbox/independence.test.ts
 * checks that the two still fit).
 */

/** Route names, as used by `FaultRule.route`, `SandboxStats.byRoute` and the request log. */
export type SandboxRoute =
  | "orders"
  | "order"
  | "order_put"
  | "products"
  | "shipping_addresses"
  | "shipments"
  | "shipment_post"
  /** GET /orders/{id}/shipments/{shipment_id} */
  | "shipment"
  | "shipment_put"
  | "shipment_delete"
  | "order_statuses"
  /** A path or method that matches none of the routes above. */
  | "other";

export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Only loopback makes sense. @default "127.0.0.1" */
  host?: string;
  /** @default "sandbox" */
  storeHash?: string;
  /** `X-Auth-Token` must equal it, else 401. @default "sandbox-token" */
  accessToken?: string;
  /** Orders to serve. @default the content of samples/store.json */
  seed?: SeedData | { generate: { orders: number; seed?: number } };
  /** Requests per window (docs/bigcommerce-api.md §8: 150 per 30 s on Standard/Plus); 0 or Infinity = unlimited. @default 150 */
  quota?: number;
  /** Rate-limit window, ms. @default 30000 */
  windowMs?: number;
  /** Delay added before every response, ms. @default 0 */
  latencyMs?: number;
  faults?: FaultRule[];
  /** Seed of the PRNG behind `FaultRule.probability`. @default 1 */
  randomSeed?: number;
}

export type FaultKind =
  | "latency"
  | "status"
  | "rate_limit"
  | "reset"
  | "applied_then_status"
  | "hang"
  /** Data fault: consignments of the chosen orders come with `line_items: []` (docs/bigcommerce-api.md §6, dev-docs#2052). */
  | "empty_line_items"
  /** Data fault: the chosen orders' shipping consignments get ids that are not their lines' `order_address_id` (§6, §11). */
  | "consignment_id_mismatch";

/**
 * One injected failure. A rule matches a request by method, route and order id; among the
 * matching requests (counted per rule, 0-based) `schedule` and `probability` pick the ones it hits.
 * Every hitting `latency` rule adds its delay; the first hitting rule of another kind decides the answer.
 * The data faults (`empty_line_items`, `consignment_id_mismatch`) do not decide an answer: they change
 * how the chosen orders' consignments are rendered, on every read that includes consignments
 * (`route` "orders" or "order" narrows that), so they take no `method`, `schedule` or `probability`.
 */
export interface FaultRule {
  /** @default any */
  method?: "GET" | "PUT" | "POST" | "DELETE";
  /** @default any */
  route?: SandboxRoute | string;
  kind: FaultKind;
  /** For "status" and "applied_then_status": 500, 502, 503, 401, 403, … @default 500 */
  status?: number;
  /** For "latency", ms. @default 0 */
  latencyMs?: number;
  /** For "rate_limit": send the X-Rate-Limit-* and X-Retry-After headers (docs/bigcommerce-api.md §8). @default true */
  withHeaders?: boolean;
  /** For "rate_limit" with headers: X-Retry-After value. @default seconds until the window refreshes */
  retryAfterSec?: number;
  /** Chance (0..1) that a scheduled request is hit; deterministic for a given `randomSeed`. @default 1 */
  probability?: number;
  /**
   * Which matching requests (0-based index among the requests this rule matches) are hit:
   * indexes `from` … `from + count - 1`, and within those, with `every: n`, only every n-th
   * (indexes from+n-1, from+2n-1, …). @default every matching request
   */
  schedule?: { from?: number; count?: number; every?: number };
  /** Only requests for this order (for data faults: only this order). */
  orderId?: number;
  /** Only requests for (data faults: only) these orders; with `orderId`, both must match. */
  orderIds?: number[];
}

export interface RequestLogEntry {
  /** Arrival time, ms since the sandbox started. */
  t: number;
  /** ms from arrival to the end of the exchange. */
  durationMs: number;
  method: string;
  /** Path below the host, without the query string. */
  path: string;
  route: SandboxRoute;
  /** Status sent; 0 when no response was sent (reset, hang, client gone). */
  status: number;
  orderId?: number;
  /** The fault that decided the answer, if any. */
  fault?: FaultKind;
}

export interface SandboxStats {
  /** Requests received (each attempt counts). */
  requests: number;
  byRoute: Record<string, number>;
  /** Most requests being handled at the same time. */
  maxInFlight: number;
  /** Most requests for one order id being handled at the same time. */
  maxInFlightPerOrder: number;
  /** Responses with status 429 (quota and injected). */
  served429: number;
  /** PUTs and POSTs that changed the store (including `applied_then_status`). */
  writesApplied: number;
  requestLog: RequestLogEntry[];
}

// ---- JSON the sandbox serves (V2 shapes; compatible with the tool's own types). ----

/** billingAddress_Base: the 12 string fields of a V2 billing address. */
export interface BillingAddress {
  first_name: string;
  last_name: string;
  company: string;
  street_1: string;
  street_2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  country_iso2: string;
  phone: string;
  email: string;
}

export type BillingField = keyof BillingAddress;

export interface FormField {
  name: string;
  value: unknown;
}

export type SandboxBillingAddress = BillingAddress & { form_fields: FormField[] } & Record<
    string,
    unknown
  >;

export interface ResourceLink {
  url: string;
  resource: string;
}

/** GET /orders/{id} (order_Resp; a realistic subset of its fields). */
export interface SandboxOrder {
  id: number;
  status_id: number;
  status: string;
  customer_id: number;
  date_created: string;
  date_modified: string;
  date_shipped: string;
  staff_notes: string;
  customer_message: string;
  billing_address: SandboxBillingAddress;
  subtotal_ex_tax: string;
  subtotal_inc_tax: string;
  subtotal_tax: string;
  base_shipping_cost: string;
  shipping_cost_ex_tax: string;
  shipping_cost_inc_tax: string;
  shipping_cost_tax: string;
  total_ex_tax: string;
  total_inc_tax: string;
  total_tax: string;
  items_total: number;
  items_shipped: number;
  [field: string]: unknown;
}

/** GET /orders/{id}/products item (orderProducts). */
export interface SandboxOrderProduct {
  id: number;
  order_id: number;
  /** 0 for a line that is not shipped (digital). */
  order_address_id: number;
  type: "physical" | "digital";
  quantity: number;
  quantity_shipped: number;
  product_id: number;
  name: string;
  sku: string;
  [field: string]: unknown;
}

/** GET /orders/{id}/shipping_addresses item (orderShippingAddress). */
export interface SandboxShippingAddress extends BillingAddress {
  id: number;
  order_id: number;
  items_total: number;
  items_shipped: number;
  [field: string]: unknown;
}

/** GET/POST /orders/{id}/shipments item (orderShipment). */
export interface SandboxShipment {
  id: number;
  order_id: number;
  order_address_id: number;
  tracking_number: string;
  date_created: string;
  shipping_provider: string;
  tracking_carrier: string;
  items: { order_product_id: number; product_id: number; quantity: number }[];
  generated_tracking_link: string;
  [field: string]: unknown;
}

/** GET /order_statuses item (orderStatus_Base plus `order`). */
export interface SandboxOrderStatus {
  id: number;
  name: string;
  system_label: string;
  custom_label: string;
  system_description: string;
  order: number;
}

/** A shipping consignment (shippingConsignment_Get): one per shipping address. */
export interface SandboxShippingConsignment extends BillingAddress {
  id: number;
  items_total: number;
  items_shipped: number;
  shipping_method: string;
  /** Order products as GET /orders/{id}/products serves them, or a link without `.line_items`. */
  line_items: SandboxOrderProduct[] | ResourceLink;
  [field: string]: unknown;
}

/** A download consignment (digitalConsignment_Get): the order's digital lines. */
export interface SandboxDigitalConsignment {
  recipient_email: string;
  line_items: SandboxOrderProduct[] | ResourceLink;
  [field: string]: unknown;
}

/** `consignments` with `include=consignments[.line_items]&consignment_structure=object` (orderConsignment_Get). */
export interface SandboxConsignments {
  pickups: unknown[];
  shipping: SandboxShippingConsignment[];
  downloads: SandboxDigitalConsignment[];
  email: { gift_certificates: unknown[] };
}

/** Read-only view of the in-memory store, for tests and benchmarks. Every method returns copies. */
export interface SandboxStore {
  hasOrder(orderId: number): boolean;
  getOrder(orderId: number): SandboxOrder | undefined;
  /** Empty when the order does not exist. */
  listProducts(orderId: number): SandboxOrderProduct[];
  listShippingAddresses(orderId: number): SandboxShippingAddress[];
  listShipments(orderId: number): SandboxShipment[];
  listStatuses(): SandboxOrderStatus[];
  /** Every order id, ascending. */
  orderIds(): number[];
  /** Every order (builds all of them: costly for a large generated store). */
  orders(): SandboxOrder[];
  /** Shipments created through the API since the sandbox started, in creation order. */
  createdShipments(): SandboxShipment[];
}

/** Kinds of seeded order the banner names one sample of (see `SandboxInfo.samples`). */
export type SampleOrderKind =
  | "single_address"
  | "several_addresses"
  | "digital_only"
  | "partially_shipped";

/** What the sandbox serves, for the banner and logs. */
export interface SandboxInfo {
  storeHash: string;
  orderCount: number;
  /** Lowest and highest order id; undefined for an empty store. */
  firstOrderId?: number;
  lastOrderId?: number;
  /** One order id of each kind, as seeded (kinds the store lacks are missing). */
  samples: Partial<Record<SampleOrderKind, number>>;
  /** Infinity when unlimited. */
  quota: number;
  windowMs: number;
  latencyMs: number;
}

export interface Sandbox {
  /** "http://127.0.0.1:PORT"; the API is under `${url}/stores/${storeHash}/v2`. */
  readonly url: string;
  readonly env: {
    BIGCOMMERCE_API_URL: string;
    BIGCOMMERCE_STORE_HASH: string;
    BIGCOMMERCE_ACCESS_TOKEN: string;
  };
  readonly store: SandboxStore;
  readonly info: SandboxInfo;
  stats(): SandboxStats;
  setFaults(faults: FaultRule[]): void;
  /** Lets tests revoke credentials mid-run (then 401). */
  setAccessToken(token: string): void;
  /** Uses up quota in the current window, as the store's other apps would (docs/bigcommerce-api.md §8). */
  consumeQuota(n: number): void;
  /** Closes the server and every open socket, hung ones included. */
  close(): Promise<void>;
}

// ---- Seed data: the JSON shape of samples/store.json. ----

/** An address in the seed: the same 12 fields as a V2 billing address. */
export type SeedAddress = BillingAddress;

export interface SeedShippingAddress extends SeedAddress {
  id: number;
  shipping_method?: string;
}

export interface SeedProduct {
  id: number;
  product_id: number;
  name: string;
  sku: string;
  type: "physical" | "digital";
  /** Shipping address id; 0 for lines that are not shipped (digital). */
  order_address_id: number;
  quantity: number;
  quantity_shipped: number;
  /** Unit price before tax, e.g. "25.0000". */
  price_ex_tax: string;
}

export interface SeedShipment {
  id: number;
  order_address_id: number;
  date_created: string;
  tracking_number: string;
  shipping_provider: string;
  tracking_carrier: string;
  comments?: string;
  items: { order_product_id: number; quantity: number }[];
}

export interface SeedOrder {
  id: number;
  status_id: number;
  customer_id?: number;
  /** RFC 2822, as BigCommerce writes dates. */
  date_created: string;
  staff_notes?: string;
  customer_message?: string;
  payment_method?: string;
  currency_code?: string;
  /** Shipping cost before tax. @default "0.0000" */
  shipping_cost_ex_tax?: string;
  billing_address: SeedAddress;
  shipping_addresses: SeedShippingAddress[];
  products: SeedProduct[];
  shipments?: SeedShipment[];
}

export interface SeedData {
  /** Control-panel renames of statuses (BigCommerce `custom_label`). */
  statuses?: { id: number; custom_label: string }[];
  orders: SeedOrder[];
}
