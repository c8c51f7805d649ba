/**
 * In-memory state of the sandbox store. Every operation touches one order (Map lookups), so the
 * cost of a request does not grow with the size of the store (benchmarks).
 */
import type { Checked, OrderPatch, ShipmentDraft, ShipmentPatch, V2Error } from "./checks.js";
import {
  BILLING_FIELDS,
  CONSIGNMENT_CAP_WARNING,
  MISMATCHED_CONSIGNMENT_ID_OFFSET,
  SHIPPING_PROVIDERS,
  STATUS_PARTIALLY_SHIPPED,
  STATUS_SHIPPED,
  SYSTEM_STATUSES,
  taxRate,
} from "./policy.js";
import { formatBcDate, type SeedSource } from "./seed.js";
import type {
  BillingAddress,
  ResourceLink,
  SandboxBillingAddress,
  SandboxConsignments,
  SandboxDigitalConsignment,
  SandboxOrder,
  SandboxOrderProduct,
  SandboxOrderStatus,
  SandboxShipment,
  SandboxShippingAddress,
  SandboxShippingConsignment,
  SandboxStore,
  SeedAddress,
  SeedOrder,
  SeedProduct,
  SeedShippingAddress,
} from "./types.js";

/** V2 404 body text (V2 Orders reference, `404_Resp`). */
export const NOT_FOUND_MESSAGE = "The requested resource was not found.";

interface ProductState extends SeedProduct {
  readonly priceCents: number;
}

interface OrderState {
  readonly id: number;
  status_id: number;
  readonly customer_id: number;
  readonly date_created: string;
  date_modified: string;
  date_shipped: string;
  staff_notes: string;
  customer_message: string;
  readonly payment_method: string;
  readonly currency_code: string;
  billing: SandboxBillingAddress;
  readonly shippingCents: number;
  readonly addresses: readonly SeedShippingAddress[];
  readonly addressById: ReadonlyMap<number, SeedShippingAddress>;
  readonly products: readonly ProductState[];
  readonly productById: ReadonlyMap<number, ProductState>;
  readonly shipments: SandboxShipment[];
}

const toCents = (money: string | undefined): number =>
  Math.round(Number.parseFloat(money ?? "0") * 100);
const money = (cents: number): string => (cents / 100).toFixed(4);

const pickAddress = (address: SeedAddress): BillingAddress => {
  const out = {} as BillingAddress;
  for (const field of BILLING_FIELDS) out[field] = address[field];
  return out;
};

/** How GET /orders and GET /orders/{id} render an order (query parameters and data faults). */
export interface OrderView {
  /** `include=consignments` (links for line items) or `consignments.line_items` (full lines). */
  consignments?: {
    lineItems: boolean;
    /** "array": the legacy form, without `consignment_structure=object` (§6). */
    structure: "object" | "array";
    /** Line items per consignment at most (lists, §11); more are cut and `__warning__` is set. */
    lineCap?: number;
    emptyLineItems: boolean;
    idMismatch: boolean;
  };
  /** `include=fees`: an empty `fees` array (no fees are modelled). */
  fees?: boolean;
}

/** GET /orders filters and paging (docs/bigcommerce-api.md §11). */
export interface OrderQuery {
  minId: number;
  maxId: number;
  statusId?: number;
  direction: "asc" | "desc";
  offset: number;
  limit: number;
}

export interface MemoryStoreOptions {
  source: SeedSource;
  /** ms since epoch; injected so tests can pin dates. @default Date.now */
  now?: () => number;
}

export class MemoryStore implements SandboxStore {
  readonly #source: SeedSource;
  readonly #now: () => number;
  readonly #orders = new Map<number, OrderState>();
  readonly #created: SandboxShipment[] = [];
  readonly #statuses: readonly SandboxOrderStatus[];
  readonly #statusById: ReadonlyMap<number, SandboxOrderStatus>;
  #nextShipmentId: number;
  /** Base of `{url, resource}` links; set once the server knows its port. */
  linkBase = "";

  constructor(options: MemoryStoreOptions) {
    this.#source = options.source;
    this.#now = options.now ?? Date.now;
    const labels = new Map(options.source.statuses.map((s) => [s.id, s.custom_label]));
    this.#statuses = SYSTEM_STATUSES.map((status) => {
      const custom = labels.get(status.id) ?? status.label;
      // A renamed status is listed under its custom label, as the control panel shows it.
      return {
        id: status.id,
        name: custom,
        system_label: status.label,
        custom_label: custom,
        system_description: status.description,
        order: status.order,
      };
    });
    this.#statusById = new Map(this.#statuses.map((status) => [status.id, status]));
    this.#nextShipmentId = Math.max(1000, options.source.maxShipmentId + 1);
  }

  get orderCount(): number {
    return this.#source.count;
  }

  // ---- SandboxStore (inspection; copies) ----

  hasOrder(orderId: number): boolean {
    return this.#orders.has(orderId) || this.#source.has(orderId);
  }

  getOrder(orderId: number): SandboxOrder | undefined {
    const state = this.#state(orderId);
    return state && this.#renderOrder(state);
  }

  listProducts(orderId: number): SandboxOrderProduct[] {
    return this.products(orderId) ?? [];
  }

  listShippingAddresses(orderId: number): SandboxShippingAddress[] {
    return this.shippingAddresses(orderId) ?? [];
  }

  listShipments(orderId: number): SandboxShipment[] {
    return this.shipments(orderId) ?? [];
  }

  listStatuses(): SandboxOrderStatus[] {
    return this.#statuses.map((status) => ({ ...status }));
  }

  orderIds(): number[] {
    return this.#source.ids();
  }

  orders(): SandboxOrder[] {
    return this.orderIds().flatMap((id) => this.getOrder(id) ?? []);
  }

  createdShipments(): SandboxShipment[] {
    return this.#created.map((shipment) => structuredClone(shipment));
  }

  // ---- Used by the server: undefined means the order does not exist (404). ----

  /**
   * One page of GET /orders, sorted by id. Only the page's orders are built (with `statusId`, the
   * orders up to the page's end), so listing a 100 000-order generated store stays cheap.
   */
  orderPage(query: OrderQuery, view: (orderId: number) => OrderView = () => ({})): SandboxOrder[] {
    const ids = this.#source.idsBetween(query.minId, query.maxId);
    if (query.direction === "desc") ids.reverse();
    const end = query.offset + query.limit;
    const states: OrderState[] = [];
    if (query.statusId === undefined) {
      for (const id of ids.slice(query.offset, end)) {
        const state = this.#state(id);
        if (state !== undefined) states.push(state);
      }
    } else {
      let matched = 0;
      for (const id of ids) {
        const state = this.#state(id);
        if (state === undefined || state.status_id !== query.statusId) continue;
        matched += 1;
        if (matched > query.offset) states.push(state);
        if (matched >= end) break;
      }
    }
    return states.map((state) => this.#renderView(state, view(state.id)));
  }

  /** GET /orders/{id} with its `include`; undefined when the order does not exist. */
  orderView(orderId: number, view: OrderView): SandboxOrder | undefined {
    const state = this.#state(orderId);
    return state && this.#renderView(state, view);
  }

  /** GET /orders/{id}/shipments/{shipment_id}: undefined unless the shipment is on that order. */
  shipment(orderId: number, shipmentId: number): SandboxShipment | undefined {
    const found = this.#state(orderId)?.shipments.find((shipment) => shipment.id === shipmentId);
    return found && structuredClone(found);
  }

  /**
   * PUT /orders/{id}/shipments/{shipment_id}: the fields given change, items never (§12). A new
   * `order_address_id` must be one of the order's addresses, as on POST.
   */
  updateShipment(
    orderId: number,
    shipmentId: number,
    patch: ShipmentPatch,
  ): Checked<{ shipment: SandboxShipment; changed: boolean }> {
    const state = this.#state(orderId);
    const shipment = state?.shipments.find((s) => s.id === shipmentId);
    if (state === undefined || shipment === undefined) return notFound();
    let address: SeedShippingAddress | undefined;
    if (patch.order_address_id !== undefined) {
      address = state.addressById.get(patch.order_address_id);
      if (address === undefined) {
        return invalid("order_address_id", "The order has no shipping address with this id.", {
          order_address_id: patch.order_address_id,
        });
      }
    }
    let changed = false;
    for (const [field, value] of Object.entries(patch)) {
      if (shipment[field] === value) continue;
      shipment[field] = value;
      changed = true;
    }
    if (address !== undefined) shipment.shipping_address = pickAddress(address);
    const provider = SHIPPING_PROVIDERS[shipment.shipping_provider];
    shipment.shipping_provider_display_name = provider?.display ?? shipment.shipping_provider;
    shipment.generated_tracking_link = trackingLink({
      tracking_number: shipment.tracking_number,
      shipping_provider: shipment.shipping_provider,
      tracking_carrier: shipment.tracking_carrier,
      tracking_link: String(shipment.tracking_link ?? ""),
    });
    if (changed) state.date_modified = formatBcDate(this.#now());
    return { ok: true, value: { shipment: structuredClone(shipment), changed } };
  }

  /**
   * DELETE /orders/{id}/shipments/{shipment_id}: its quantities become shippable again (historically
   * so; docs/bigcommerce-api.md §12 [UNVERIFIED]); the order keeps its status (§10, §12).
   */
  deleteShipment(orderId: number, shipmentId: number): Checked<SandboxShipment> {
    const state = this.#state(orderId);
    const index = state?.shipments.findIndex((s) => s.id === shipmentId) ?? -1;
    const shipment = state?.shipments[index];
    if (state === undefined || shipment === undefined) return notFound();
    state.shipments.splice(index, 1);
    for (const item of shipment.items) {
      const product = state.productById.get(item.order_product_id);
      if (product !== undefined) {
        product.quantity_shipped = Math.max(0, product.quantity_shipped - item.quantity);
      }
    }
    state.date_modified = formatBcDate(this.#now());
    return { ok: true, value: structuredClone(shipment) };
  }

  products(orderId: number): SandboxOrderProduct[] | undefined {
    const state = this.#state(orderId);
    return state?.products.map((product) => this.#renderProduct(state, product));
  }

  shippingAddresses(orderId: number): SandboxShippingAddress[] | undefined {
    const state = this.#state(orderId);
    return state?.addresses.map((address) => this.#renderAddress(state, address));
  }

  shipments(orderId: number): SandboxShipment[] | undefined {
    return this.#state(orderId)?.shipments.map((shipment) => structuredClone(shipment));
  }

  /** Applies a checked PUT body; `changed` is false when nothing was written (empty or ignored fields). */
  updateOrder(
    orderId: number,
    patch: OrderPatch,
  ): Checked<{ order: SandboxOrder; changed: boolean }> {
    const state = this.#state(orderId);
    if (state === undefined) return notFound();
    let changed = false;
    if (patch.status_id !== undefined) {
      state.status_id = patch.status_id;
      changed = true;
    }
    if (patch.staff_notes !== undefined) {
      state.staff_notes = patch.staff_notes;
      changed = true;
    }
    if (patch.customer_message !== undefined) {
      state.customer_message = patch.customer_message;
      changed = true;
    }
    if (patch.billing_address !== undefined) {
      // Fields given replace the current ones; missing ones are kept (docs/bigcommerce-api.md §1, unverified on a
      // real store; the tool always sends the whole address). Totals follow the new country's tax
      // rate at render time, as BigCommerce recalculates them (docs/bigcommerce-api.md §1 "Side effect").
      const { form_fields: formFields, ...fields } = patch.billing_address;
      state.billing = {
        ...state.billing,
        ...fields,
        form_fields: formFields ?? state.billing.form_fields,
      };
      changed = true;
    }
    if (changed) state.date_modified = formatBcDate(this.#now());
    return { ok: true, value: { order: this.#renderOrder(state), changed } };
  }

  /** Checks a shipment against the order's addresses and lines, then creates it (docs/bigcommerce-api.md §3). */
  createShipment(orderId: number, draft: ShipmentDraft): Checked<SandboxShipment> {
    const state = this.#state(orderId);
    if (state === undefined) return notFound();
    const address = state.addressById.get(draft.order_address_id);
    if (address === undefined) {
      return invalid("order_address_id", "The order has no shipping address with this id.", {
        order_address_id: draft.order_address_id,
      });
    }
    const wanted = new Map<number, number>();
    for (const item of draft.items) {
      wanted.set(item.order_product_id, (wanted.get(item.order_product_id) ?? 0) + item.quantity);
    }
    const lines: { product: ProductState; quantity: number }[] = [];
    for (const [productId, quantity] of wanted) {
      const product = state.productById.get(productId);
      if (product === undefined) {
        return invalid("order_product_id", "The product is not part of this order.", {
          order_product_id: productId,
        });
      }
      if (product.type !== "physical") {
        return invalid("order_product_id", "Only physical products can be shipped.", {
          order_product_id: productId,
        });
      }
      if (product.order_address_id !== address.id) {
        return invalid("order_product_id", "The product is not shipped to this address.", {
          order_product_id: productId,
          order_address_id: address.id,
        });
      }
      const available = product.quantity - product.quantity_shipped;
      if (quantity > available) {
        // Wording from the historical docs (docs/bigcommerce-api.md §3).
        return invalid(
          "quantity",
          "The quantity specified is greater than the quantity of the product that is available to ship.",
          { available_quantity: available, order_product_id: productId },
        );
      }
      lines.push({ product, quantity });
    }
    for (const { product, quantity } of lines) product.quantity_shipped += quantity;
    const now = formatBcDate(this.#now());
    const allShipped = state.products.every(
      (p) => p.type !== "physical" || p.quantity_shipped >= p.quantity,
    );
    // Creating a shipment moves the order to Shipped / Partially Shipped (docs/bigcommerce-api.md §10).
    state.status_id = allShipped ? STATUS_SHIPPED : STATUS_PARTIALLY_SHIPPED;
    if (allShipped) state.date_shipped = now;
    state.date_modified = now;
    const provider = SHIPPING_PROVIDERS[draft.shipping_provider];
    const shipment: SandboxShipment = {
      id: this.#nextShipmentId++,
      order_id: state.id,
      customer_id: state.customer_id,
      order_address_id: address.id,
      date_created: now,
      tracking_number: draft.tracking_number,
      merchant_shipping_cost: draft.merchant_shipping_cost,
      shipping_method: draft.shipping_method,
      comments: draft.comments,
      shipping_provider: draft.shipping_provider,
      tracking_carrier: draft.tracking_carrier,
      tracking_link: draft.tracking_link,
      billing_address: pickAddress(state.billing),
      shipping_address: pickAddress(address),
      items: lines.map(({ product, quantity }) => ({
        order_product_id: product.id,
        product_id: product.product_id,
        quantity,
      })),
      shipping_provider_display_name: provider?.display ?? draft.shipping_provider,
      generated_tracking_link: trackingLink(draft),
    };
    state.shipments.push(shipment);
    this.#created.push(shipment);
    return { ok: true, value: structuredClone(shipment) };
  }

  // ---- State ----

  #state(orderId: number): OrderState | undefined {
    const known = this.#orders.get(orderId);
    if (known !== undefined) return known;
    const seed = this.#source.get(orderId);
    if (seed === undefined) return undefined;
    const state = buildState(seed);
    this.#orders.set(orderId, state);
    return state;
  }

  // ---- Rendering (V2 JSON; new objects every time) ----

  #link(resource: string): ResourceLink {
    return { url: `${this.linkBase}${resource}`, resource };
  }

  #renderView(state: OrderState, view: OrderView): SandboxOrder {
    const order = this.#renderOrder(state);
    if (view.fees === true) order.fees = [];
    const options = view.consignments;
    if (options === undefined) return order;
    // Only full line lists are capped (lists, §11); links and faulted empty lists have nothing to cut.
    const cap =
      options.lineItems && !options.emptyLineItems
        ? (options.lineCap ?? Number.POSITIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
    let capped = false;
    const lines = (products: readonly ProductState[]): SandboxOrderProduct[] | ResourceLink => {
      if (!options.lineItems) return this.#link(`/orders/${state.id}/products`);
      if (options.emptyLineItems) return [];
      return products.slice(0, cap).map((product) => this.#renderProduct(state, product));
    };
    const warn = (consignment: Record<string, unknown>, products: readonly ProductState[]) => {
      if (products.length <= cap) return;
      // docs#960 shows the warning inside the consignment, as {message} (docs/bigcommerce-api.md §11).
      consignment.__warning__ = { message: CONSIGNMENT_CAP_WARNING };
      capped = true;
    };
    const shippingCents = splitCents(state.shippingCents, state.addresses.length);
    const rate = taxRate(state.billing.country_iso2);
    const shipping = state.addresses.map((address, i): SandboxShippingConsignment => {
      const products = state.products.filter((p) => p.order_address_id === address.id);
      const rendered = this.#renderAddress(state, address);
      const cents = shippingCents[i] ?? 0;
      const tax = Math.round(cents * rate);
      const id = options.idMismatch ? address.id + MISMATCHED_CONSIGNMENT_ID_OFFSET : address.id;
      const consignment: SandboxShippingConsignment = {
        id,
        ...pickAddress(address),
        form_fields: [],
        line_items: lines(products),
        items_total: rendered.items_total,
        items_shipped: rendered.items_shipped,
        shipping_method: String(rendered.shipping_method),
        // shippingConsignment_Get types the costs as numbers, unlike the address's strings.
        base_cost: cents / 100,
        cost_ex_tax: cents / 100,
        cost_inc_tax: (cents + tax) / 100,
        cost_tax: tax / 100,
        cost_tax_class_id: 2,
        base_handling_cost: 0,
        handling_cost_ex_tax: 0,
        handling_cost_inc_tax: 0,
        handling_cost_tax: 0,
        handling_cost_tax_class_id: 2,
        shipping_zone_id: 1,
        shipping_zone_name: address.country,
        shipping_quotes: this.#link(
          `/orders/${state.id}/consignments/shipping/${id}/shipping_quotes`,
        ),
      };
      warn(consignment, products);
      return consignment;
    });
    const digital = state.products.filter((p) => p.type !== "physical");
    const downloads: SandboxDigitalConsignment[] = [];
    if (digital.length > 0) {
      const consignment: SandboxDigitalConsignment = {
        recipient_email: state.billing.email,
        line_items: lines(digital),
      };
      warn(consignment, digital);
      downloads.push(consignment);
    }
    const consignments: SandboxConsignments = {
      pickups: [],
      shipping,
      downloads,
      email: { gift_certificates: [] },
    };
    // The legacy structure is kept simple here: the same object, in an array (§6; the tool always
    // asks for `object`).
    order.consignments = options.structure === "object" ? consignments : [consignments];
    if (capped) order.__warning__ = CONSIGNMENT_CAP_WARNING;
    return order;
  }

  #renderOrder(state: OrderState): SandboxOrder {
    const rate = taxRate(state.billing.country_iso2);
    let subtotal = 0;
    let subtotalTax = 0;
    let itemsTotal = 0;
    let itemsShipped = 0;
    for (const product of state.products) {
      subtotal += product.priceCents * product.quantity;
      subtotalTax += Math.round(product.priceCents * rate) * product.quantity;
      itemsTotal += product.quantity;
      itemsShipped += product.quantity_shipped;
    }
    const shippingTax = Math.round(state.shippingCents * rate);
    const totalExTax = subtotal + state.shippingCents;
    const totalTax = subtotalTax + shippingTax;
    const status = this.#statusById.get(state.status_id);
    return {
      id: state.id,
      customer_id: state.customer_id,
      date_created: state.date_created,
      date_modified: state.date_modified,
      date_shipped: state.date_shipped,
      status_id: state.status_id,
      status: status?.system_label ?? "",
      custom_status: status?.custom_label ?? "",
      subtotal_ex_tax: money(subtotal),
      subtotal_inc_tax: money(subtotal + subtotalTax),
      subtotal_tax: money(subtotalTax),
      base_shipping_cost: money(state.shippingCents),
      shipping_cost_ex_tax: money(state.shippingCents),
      shipping_cost_inc_tax: money(state.shippingCents + shippingTax),
      shipping_cost_tax: money(shippingTax),
      total_ex_tax: money(totalExTax),
      total_inc_tax: money(totalExTax + totalTax),
      total_tax: money(totalTax),
      is_tax_inclusive_pricing: false,
      items_total: itemsTotal,
      items_shipped: itemsShipped,
      payment_method: state.payment_method,
      payment_status: "captured",
      refunded_amount: "0.0000",
      order_is_digital: !state.products.some((product) => product.type === "physical"),
      currency_code: state.currency_code,
      default_currency_code: state.currency_code,
      staff_notes: state.staff_notes,
      customer_message: state.customer_message,
      discount_amount: "0.0000",
      coupon_discount: "0.0000",
      shipping_address_count: state.addresses.length,
      is_deleted: false,
      billing_address: {
        ...state.billing,
        form_fields: structuredClone(state.billing.form_fields),
      },
      is_email_opt_in: false,
      order_source: "www",
      channel_id: 1,
      customer_locale: "en",
      products: this.#link(`/orders/${state.id}/products`),
      shipping_addresses: this.#link(`/orders/${state.id}/shipping_addresses`),
      coupons: this.#link(`/orders/${state.id}/coupons`),
      // Replaced by the consignments themselves with `include=consignments` (§6).
      consignments: this.#link(`/orders/${state.id}/consignments`),
    };
  }

  #renderProduct(state: OrderState, product: ProductState): SandboxOrderProduct {
    const tax = Math.round(product.priceCents * taxRate(state.billing.country_iso2));
    return {
      id: product.id,
      order_id: state.id,
      product_id: product.product_id,
      order_address_id: product.order_address_id,
      name: product.name,
      sku: product.sku,
      type: product.type,
      base_price: money(product.priceCents),
      price_ex_tax: money(product.priceCents),
      price_inc_tax: money(product.priceCents + tax),
      price_tax: money(tax),
      total_ex_tax: money(product.priceCents * product.quantity),
      total_inc_tax: money((product.priceCents + tax) * product.quantity),
      total_tax: money(tax * product.quantity),
      quantity: product.quantity,
      quantity_shipped: product.quantity_shipped,
      quantity_refunded: 0,
      is_refunded: false,
      refund_amount: "0.0000",
      parent_order_product_id: null,
      is_bundled_product: false,
      applied_discounts: [],
      product_options: [],
    };
  }

  #renderAddress(state: OrderState, address: SeedShippingAddress): SandboxShippingAddress {
    let itemsTotal = 0;
    let itemsShipped = 0;
    for (const product of state.products) {
      if (product.order_address_id !== address.id) continue;
      itemsTotal += product.quantity;
      itemsShipped += product.quantity_shipped;
    }
    return {
      id: address.id,
      order_id: state.id,
      ...pickAddress(address),
      items_total: itemsTotal,
      items_shipped: itemsShipped,
      shipping_method: address.shipping_method ?? "Flat Rate",
      shipping_zone_id: 1,
      shipping_zone_name: address.country,
      shipping_quotes: this.#link(
        `/orders/${state.id}/shipping_addresses/${address.id}/shipping_quotes`,
      ),
      form_fields: [],
    };
  }
}

/** `cents` split over `parts`, the remainder on the first (every address's share of shipping). */
function splitCents(cents: number, parts: number): number[] {
  if (parts <= 0) return [];
  const share = Math.floor(cents / parts);
  return Array.from({ length: parts }, (_, i) => (i === 0 ? cents - share * (parts - 1) : share));
}

function buildState(seed: SeedOrder): OrderState {
  const addresses = seed.shipping_addresses.map((address) => ({ ...address }));
  const products = seed.products.map((product) => ({
    ...product,
    priceCents: toCents(product.price_ex_tax),
  }));
  return {
    id: seed.id,
    status_id: seed.status_id,
    customer_id: seed.customer_id ?? 0,
    date_created: seed.date_created,
    date_modified: seed.date_created,
    date_shipped: seed.status_id === STATUS_SHIPPED ? seed.date_created : "",
    staff_notes: seed.staff_notes ?? "",
    customer_message: seed.customer_message ?? "",
    payment_method: seed.payment_method ?? "Credit Card",
    currency_code: seed.currency_code ?? "USD",
    billing: { ...pickAddress(seed.billing_address), form_fields: [] },
    shippingCents: toCents(seed.shipping_cost_ex_tax),
    addresses,
    addressById: new Map(addresses.map((address) => [address.id, address])),
    products,
    productById: new Map(products.map((product) => [product.id, product])),
    shipments: (seed.shipments ?? []).map((shipment) => {
      const address = addresses.find((a) => a.id === shipment.order_address_id);
      const provider = SHIPPING_PROVIDERS[shipment.shipping_provider];
      return {
        id: shipment.id,
        order_id: seed.id,
        customer_id: seed.customer_id ?? 0,
        order_address_id: shipment.order_address_id,
        date_created: shipment.date_created,
        tracking_number: shipment.tracking_number,
        merchant_shipping_cost: "0.0000",
        shipping_method: "None",
        comments: shipment.comments ?? "",
        shipping_provider: shipment.shipping_provider,
        tracking_carrier: shipment.tracking_carrier,
        tracking_link: "",
        billing_address: pickAddress(seed.billing_address),
        shipping_address: address ? pickAddress(address) : {},
        items: shipment.items.map((item) => ({
          order_product_id: item.order_product_id,
          product_id: products.find((p) => p.id === item.order_product_id)?.product_id ?? 0,
          quantity: item.quantity,
        })),
        shipping_provider_display_name: provider?.display ?? shipment.shipping_provider,
        generated_tracking_link: trackingLink({ ...shipment, tracking_link: "" }),
      };
    }),
  };
}

/**
 * BigCommerce fills generated_tracking_link from the provider or the AfterShip carrier slug, and
 * leaves it empty when a custom tracking_link is given (docs/bigcommerce-api.md §3).
 */
function trackingLink(shipment: {
  tracking_number: string;
  shipping_provider: string;
  tracking_carrier: string;
  tracking_link: string;
}): string {
  if (shipment.tracking_number === "" || shipment.tracking_link !== "") return "";
  const number = encodeURIComponent(shipment.tracking_number);
  const url = SHIPPING_PROVIDERS[shipment.shipping_provider]?.trackingUrl;
  if (url !== undefined) return `${url}${number}`;
  if (shipment.tracking_carrier !== "") {
    return `https://track.aftership.com/${encodeURIComponent(shipment.tracking_carrier)}/${number}`;
  }
  return "";
}

function notFound(): { ok: false; error: V2Error } {
  return { ok: false, error: { status: 404, message: NOT_FOUND_MESSAGE } };
}

function invalid(
  field: string,
  reason: string,
  details: Record<string, unknown>,
): { ok: false; error: V2Error } {
  return {
    ok: false,
    error: {
      status: 400,
      message: `The field '${field}' is invalid.`,
      details: { invalid_reason: reason, ...details },
    },
  };
}
