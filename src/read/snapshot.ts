import type {
  Order,
  OrderProduct,
  OrderWithConsignments,
  Shipment,
  ShipmentPost,
  ShippingAddress,
  ShippingConsignment,
} from "../types.js";
import type { OrderState } from "./order-state.js";

/**
 * What one read of an order with its consignments (docs/bigcommerce-api.md §6, §11) tells of it, and
 * which per-order reads must still be made before a shipment can be planned on it. Pure: the
 * fallbacks are listed, never guessed.
 */

/** A per-order read a shipment plan still needs, and why (for --debug and tests). */
export interface ReadNeed {
  readonly read: "products" | "shipping_addresses" | "shipments";
  readonly reason: string;
}

export interface Snapshot {
  /** The order itself, without its consignments. */
  readonly order: Order;
  /** From the shipping consignments; replaced by GET /shipping_addresses when `needs` says so. */
  readonly addresses: readonly ShippingAddress[];
  /** Physical lines of the shipping consignments plus the download lines; or GET /products. */
  readonly products: readonly OrderProduct[];
  /** `[]` when nothing was shipped (`items_shipped` 0, §11); `undefined` until GET /shipments is read. */
  readonly shipments: readonly Shipment[] | undefined;
  /** Reads still to make before planning a shipment; empty for a complete snapshot. */
  readonly needs: readonly ReadNeed[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function add(needs: ReadNeed[], read: ReadNeed["read"], reason: string): void {
  if (!needs.some((need) => need.read === read)) needs.push({ read, reason });
}

function addressOf(orderId: number, consignment: ShippingConsignment): ShippingAddress {
  const address: ShippingAddress = { id: consignment.id, order_id: orderId };
  for (const field of ["first_name", "last_name", "city", "zip"] as const) {
    const value = consignment[field];
    if (typeof value === "string") address[field] = value;
  }
  return address;
}

/** Split a read order into the plain order, its addresses and lines, and the reads still needed. */
export function snapshotOf(read: OrderWithConsignments): Snapshot {
  const { consignments, __warning__: warning, ...order } = read;
  const needs: ReadNeed[] = [];
  if (warning !== undefined) {
    // A list cut some consignment at 50 lines (docs#960, docs/bigcommerce-api.md §11).
    add(needs, "products", "the order carries a __warning__ (lines cut at 50)");
  }
  const itemsShipped = order.items_shipped;
  const shipments: Shipment[] | undefined =
    typeof itemsShipped === "number" && itemsShipped === 0 ? [] : undefined;
  if (shipments === undefined) {
    // No endpoint lists many orders' shipments; items_shipped 0 means there are none (§11).
    add(needs, "shipments", `items_shipped is ${String(itemsShipped ?? "missing")}`);
  }
  const shipping = isRecord(consignments) ? consignments.shipping : undefined;
  if (!Array.isArray(shipping)) {
    add(needs, "products", "no consignments in the answer");
    add(needs, "shipping_addresses", "no consignments in the answer");
    return { order, addresses: [], products: [], shipments, needs };
  }
  const addresses: ShippingAddress[] = [];
  const products: OrderProduct[] = [];
  const lineAddresses = new Set<number>();
  for (const consignment of shipping as ShippingConsignment[]) {
    addresses.push(addressOf(order.id, consignment));
    const lines = consignment.line_items;
    if (consignment.__warning__ !== undefined) {
      add(needs, "products", `consignment ${consignment.id} carries a __warning__`);
    }
    if (!Array.isArray(lines)) {
      add(needs, "products", `consignment ${consignment.id} has no line list`);
      continue;
    }
    const total = consignment.items_total ?? 0;
    if (lines.length === 0 && total > 0) {
      // Field report: line_items empty although /products has lines (dev-docs#2052, §6).
      add(needs, "products", `consignment ${consignment.id} has items_total ${total} and no lines`);
      add(
        needs,
        "shipping_addresses",
        `consignment ${consignment.id} has items_total ${total} and no lines`,
      );
      continue;
    }
    const quantities = lines.reduce((sum, line) => sum + line.quantity, 0);
    if (consignment.items_total !== undefined && quantities !== consignment.items_total) {
      add(
        needs,
        "products",
        `consignment ${consignment.id}: line quantities ${quantities} ≠ items_total ${consignment.items_total}`,
      );
    }
    for (const line of lines) {
      products.push(line);
      lineAddresses.add(line.order_address_id);
    }
  }
  for (const consignment of shipping as ShippingConsignment[]) {
    const lines = consignment.line_items;
    if (Array.isArray(lines) && lines.length > 0 && !lineAddresses.has(consignment.id)) {
      // The consignment id is not documented to be the order_address_id a shipment needs (§6).
      add(
        needs,
        "shipping_addresses",
        `consignment id ${consignment.id} is no line's order_address_id`,
      );
    }
  }
  const downloads = isRecord(consignments) ? consignments.downloads : undefined;
  if (Array.isArray(downloads)) {
    for (const download of downloads) {
      if (isRecord(download) && Array.isArray(download.line_items)) {
        products.push(...(download.line_items as OrderProduct[]));
      }
    }
  }
  return { order, addresses, products, shipments, needs };
}

/** A snapshot with a fallback read done: its answer replaces what the consignments said. */
export function withRead(
  snapshot: Snapshot,
  read: ReadNeed["read"],
  value: readonly ShippingAddress[] | readonly OrderProduct[] | readonly Shipment[],
): Snapshot {
  const needs = snapshot.needs.filter((need) => need.read !== read);
  if (read === "products") return { ...snapshot, products: value as OrderProduct[], needs };
  if (read === "shipping_addresses") {
    return { ...snapshot, addresses: value as ShippingAddress[], needs };
  }
  return { ...snapshot, shipments: value as Shipment[], needs };
}

/** The OrderState a plan needs: the order always; addresses, lines and shipments once read. */
export function stateOf(snapshot: Snapshot, withShipping: boolean): OrderState {
  if (!withShipping) return { order: snapshot.order };
  return {
    order: snapshot.order,
    shipping: {
      shipments: snapshot.shipments ?? [],
      addresses: snapshot.addresses,
      products: snapshot.products,
    },
  };
}

/**
 * The status a shipment leaves the order in: Shipped (2) once every physical line is fully shipped,
 * else Partially Shipped (3). What the sandbox does and, per docs/bigcommerce-api.md §10, very
 * likely BigCommerce: a prediction, always checked by a read-back before it is reported.
 */
export function statusAfterShipment(
  products: readonly OrderProduct[],
  body: Pick<ShipmentPost, "items">,
): 2 | 3 {
  const shipped = new Map<number, number>();
  for (const item of body.items) {
    shipped.set(item.order_product_id, (shipped.get(item.order_product_id) ?? 0) + item.quantity);
  }
  const done = products
    .filter((line) => line.type === "physical")
    .every((line) => line.quantity_shipped + (shipped.get(line.id) ?? 0) >= line.quantity);
  return done ? 2 : 3;
}

/** What a row's writes changed, as far as the state of its order goes. */
export interface WritesDone {
  /** A shipment created by the row (its body and the answer). */
  readonly shipment?: { readonly body: ShipmentPost; readonly created: Shipment };
  /** The status a created shipment is predicted to set (not yet read back). */
  readonly predicted?: { readonly statusId: number; readonly status: string };
  /** The PUT's answer: the full order after the writes. */
  readonly put?: Order;
}

/**
 * The snapshot after a row's writes, so that a later row of the same order plans on what this one
 * left (never on a read older than the run's own writes): the PUT answers with the whole order; a
 * created shipment adds to the lines' quantity_shipped and the order's items_shipped.
 */
export function afterWrites(snapshot: Snapshot, writes: WritesDone): Snapshot {
  let { order, products, shipments } = snapshot;
  const created = writes.shipment;
  if (created) {
    const shipped = new Map<number, number>();
    let count = 0;
    for (const item of created.body.items) {
      shipped.set(item.order_product_id, (shipped.get(item.order_product_id) ?? 0) + item.quantity);
      count += item.quantity;
    }
    products = products.map((line) =>
      shipped.has(line.id)
        ? { ...line, quantity_shipped: line.quantity_shipped + (shipped.get(line.id) ?? 0) }
        : line,
    );
    order = { ...order, items_shipped: (order.items_shipped ?? 0) + count };
    if (writes.predicted) {
      order = { ...order, status_id: writes.predicted.statusId, status: writes.predicted.status };
    }
    if (shipments !== undefined) shipments = [...shipments, created.created];
  }
  if (writes.put) order = writes.put;
  return { ...snapshot, order, products, shipments };
}
