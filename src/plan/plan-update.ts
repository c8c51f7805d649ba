import { sameTracking } from "../check/tracking.js";
import { BILLING_FIELDS, COLUMNS } from "../input/columns.js";
import type {
  BillingAddress,
  BillingField,
  CheckedRow,
  ColumnName,
  Order,
  OrderProduct,
  OrderPut,
  Shipment,
  ShipmentItemRequest,
  ShipmentPost,
  ShipmentRequest,
  ShippingAddress,
} from "../types.js";

/**
 * Planning: pure functions from a checked row and what was read of its order to the exact writes.
 * The only place that knows the request bodies (issue #2 "Applying a row").
 */

/** Why a row cannot be applied to this order; nothing of the row is written. */
export interface PlanFailure {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

export type ShipmentPlan =
  | {
      readonly ok: true;
      readonly kind: "exists";
      readonly shipment: Shipment;
      /** What to say instead of "already exists": a split parcel's later row, another app's shipment. */
      readonly note?: string;
      /** The order was shipped under another tracking number (another app): nothing left to ship. */
      readonly byAnother?: true;
    }
  | { readonly ok: true; readonly kind: "create"; readonly body: ShipmentPost }
  | PlanFailure;

type Items = ShipmentPost["items"];

const left = (product: OrderProduct) => product.quantity - product.quantity_shipped;
const isPhysical = (product: OrderProduct) => product.type === "physical";

/** Lines that still have something to ship at `addressId`: physical lines only (digital lines have no address). */
function unshippedItems(products: readonly OrderProduct[], addressId: number): Items {
  const items: Items = [];
  for (const product of products) {
    if (isPhysical(product) && product.order_address_id === addressId && left(product) > 0) {
      items.push({ order_product_id: product.id, quantity: left(product) });
    }
  }
  return items;
}

const fail = (code: string, message: string): PlanFailure => ({ ok: false, code, message });

/** A line as a person finds it on the packing slip: its SKU, else its name, else its id. */
function lineName(product: OrderProduct): string {
  return product.sku?.trim() || product.name?.trim() || `order_product_id ${product.id}`;
}

/** `1005 Ana Garcia, Chicago 60601 (left to ship: 1 × CC3C)`: enough to pick an order_address_id. */
function describeAddress(address: ShippingAddress, products?: readonly OrderProduct[]): string {
  const name = [address.first_name, address.last_name].filter(Boolean).join(" ");
  const place = [address.city, address.zip].filter(Boolean).join(" ");
  const where = [name, place].filter(Boolean).join(", ");
  if (products === undefined) return `${address.id}${where ? ` (${where})` : ""}`;
  const rest = products
    .filter((p) => isPhysical(p) && p.order_address_id === address.id && left(p) > 0)
    .map((p) => `${left(p)} × ${lineName(p)}`);
  return `${address.id}${where ? ` ${where}` : ""} (left to ship: ${rest.join(", ") || "nothing"})`;
}

function severalAddresses(
  addresses: readonly ShippingAddress[],
  products: readonly OrderProduct[],
  why = "",
): PlanFailure {
  return fail(
    "E_SEVERAL_ADDRESSES",
    `the order has several shipping addresses (${addresses.map((a) => a.id).join(", ")})${why}; set order_address_id to one of them: ${addresses.map((a) => describeAddress(a, products)).join("; ")}`,
  );
}

/**
 * The order was shipped without this row's tracking number (another app, a person in the control
 * panel): nothing is left to ship and shipments exist. README "Split parcels": `unchanged` naming
 * that shipment, or with --already-shipped fail, `failed` E_ALREADY_SHIPPED.
 */
function alreadyShipped(request: ShipmentRequest, shipments: readonly Shipment[]): ShipmentPlan {
  const latest = shipments.reduce((a, b) => (b.id > a.id ? b : a));
  const others = shipments.length > 1 ? ` and ${shipments.length - 1} more` : "";
  const text = `already shipped by shipment ${latest.id} (tracking ${latest.tracking_number || "none"})${others}, not by tracking number ${request.trackingNumber}`;
  if (request.alreadyShipped === "fail") {
    return fail(
      "E_ALREADY_SHIPPED",
      `${text}; nothing is left to ship (--already-shipped fail makes this a failure)`,
    );
  }
  return {
    ok: true,
    kind: "exists",
    shipment: latest,
    note: `${text}: none created`,
    byAnother: true,
  };
}

/**
 * The shipment a row asks for: an existing one with the same tracking number (re-runs are safe,
 * docs/bigcommerce-api.md §5: V2 has no idempotency key), or a new one: of the items of the row's
 * group (rows of one order and tracking number, read/shipment-groups.ts), or without items of
 * everything still unshipped at the order's one shipping address (or the row's order_address_id).
 */
export function planShipment(
  request: ShipmentRequest,
  shipments: readonly Shipment[],
  addresses: readonly ShippingAddress[],
  products: readonly OrderProduct[],
): ShipmentPlan {
  const group =
    request.group ?? (request.item ? { firstLine: 0, items: [request.item] } : undefined);
  const existing = shipments.find((shipment) =>
    sameTracking(shipment.tracking_number, request.trackingNumber),
  );
  if (existing) {
    if (group === undefined || group.items.length < 2) {
      return { ok: true, kind: "exists", shipment: existing };
    }
    const lines = group.items.map((item) => ("line" in item ? item.line : 0));
    return {
      ok: true,
      kind: "exists",
      shipment: existing,
      note: `part of shipment ${existing.id} (tracking ${existing.tracking_number}) of lines ${lines.join(", ")}, created by line ${group.firstLine} or an earlier run; none created`,
    };
  }

  const ids = addresses.map((address) => address.id);
  const body = (addressId: number, items: Items): ShipmentPlan => ({
    ok: true,
    kind: "create",
    body: {
      order_address_id: addressId,
      tracking_number: request.trackingNumber,
      // Always sent, "" when unknown, so the customer email carries a tracking link (docs/bigcommerce-api.md §3).
      shipping_provider: request.shippingProvider,
      tracking_carrier: request.trackingCarrier,
      items,
    },
  });
  const chosen = [
    ...new Set(
      [
        request.orderAddressId,
        ...(group?.items ?? []).map((item) =>
          "orderAddressId" in item ? item.orderAddressId : undefined,
        ),
      ].filter((id): id is number => id !== undefined),
    ),
  ];
  if (chosen.length > 1) {
    return fail(
      "E_ITEM_OTHER_ADDRESS",
      `the rows of this shipment name different order_address_id values (${chosen.join(", ")}); one shipment goes to one address`,
    );
  }
  const chosenId = chosen[0];
  if (chosenId !== undefined && !ids.includes(chosenId)) {
    return fail(
      "E_ADDRESS_NOT_ON_ORDER",
      `order_address_id ${chosenId} is not a shipping address of this order (its addresses: ${ids.join(", ") || "none"})`,
    );
  }
  if (ids.length === 0) {
    return fail(
      "E_NO_SHIPPING_ADDRESS",
      "the order has no shipping address, so nothing can be shipped",
    );
  }
  if (group) return planItems(group, chosenId, addresses, products, body);

  const nothingLeft = !products.some((p) => isPhysical(p) && left(p) > 0);
  if (chosenId === undefined && ids.length > 1) {
    if (nothingLeft && shipments.length > 0) return alreadyShipped(request, shipments);
    return severalAddresses(addresses, products);
  }
  const addressId = chosenId ?? (ids[0] as number);
  const items = unshippedItems(products, addressId);
  if (items.length === 0) {
    const there = shipments.filter((s) => s.order_address_id === addressId);
    if (there.length > 0) return alreadyShipped(request, there);
    return fail(
      "E_NOTHING_TO_SHIP",
      `nothing is left to ship to address ${addressId}: every physical line is already shipped`,
    );
  }
  return body(addressId, items);
}

const sameSku = (a: string | undefined, b: string) =>
  a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

function itemName(item: ShipmentItemRequest): string {
  return item.sku !== undefined ? `SKU ${item.sku}` : `order_product_id ${item.orderProductId}`;
}

function atLine(item: ShipmentItemRequest): string {
  return "line" in item && typeof item.line === "number" && item.line > 0
    ? `line ${item.line}: `
    : "";
}

/**
 * The items of a group, checked against the order before any write: every SKU (or
 * order_product_id) must be a physical line of the order, all at one address, and no more than is
 * left to ship of it. An empty quantity takes everything left of that line. Any failure fails the
 * whole shipment (every row of the group meets the same one), naming the line and what is left.
 */
function planItems(
  group: { readonly firstLine: number; readonly items: readonly ShipmentItemRequest[] },
  chosenId: number | undefined,
  addresses: readonly ShippingAddress[],
  products: readonly OrderProduct[],
  body: (addressId: number, items: Items) => ShipmentPlan,
): ShipmentPlan {
  const physical = products.filter(isPhysical);
  const lines = new Map<ShipmentItemRequest, OrderProduct[]>();
  for (const item of group.items) {
    const matches = products.filter(
      (p) =>
        (item.orderProductId === undefined || p.id === item.orderProductId) &&
        (item.sku === undefined || sameSku(p.sku, item.sku)),
    );
    if (matches.length === 0) {
      const known = physical.map(lineName).join(", ") || "none";
      return fail(
        "E_ITEM_NOT_ON_ORDER",
        `${atLine(item)}${itemName(item)}${item.sku !== undefined && item.orderProductId !== undefined ? ` with order_product_id ${item.orderProductId}` : ""} is not a line of this order (its physical lines: ${known})`,
      );
    }
    const shippable = matches.filter(isPhysical);
    if (shippable.length === 0) {
      return fail(
        "E_ITEM_NOT_ON_ORDER",
        `${atLine(item)}${itemName(item)} is a ${matches[0]?.type} line, which is never shipped`,
      );
    }
    lines.set(item, shippable);
  }

  // The address: the one chosen, else the one every item's lines share.
  let addressId = chosenId;
  if (addressId === undefined) {
    let common: Set<number> | undefined;
    for (const matches of lines.values()) {
      const here = new Set(matches.map((p) => p.order_address_id));
      common = common ? new Set([...common].filter((id) => here.has(id))) : here;
    }
    const shared = [...(common ?? [])];
    if (shared.length === 1) addressId = shared[0] as number;
    else if (shared.length > 1) {
      return severalAddresses(
        addresses.filter((a) => shared.includes(a.id)),
        products,
        " and the items are at each",
      );
    } else {
      const where = group.items.map(
        (item) =>
          `${atLine(item)}${itemName(item)} at ${[...new Set((lines.get(item) ?? []).map((p) => p.order_address_id))].join(" or ")}`,
      );
      return fail(
        "E_ITEM_OTHER_ADDRESS",
        `the items of this shipment are at different shipping addresses (${where.join("; ")}); one shipment goes to one address: give each address its own tracking number`,
      );
    }
  }
  const address = addresses.find((a) => a.id === addressId);
  const addressText = address ? describeAddress(address) : String(addressId);

  // Quantities, in file order: what earlier rows of the shipment take is not left for later ones.
  const taken = new Map<number, number>();
  const leftOf = (p: OrderProduct) => left(p) - (taken.get(p.id) ?? 0);
  for (const item of group.items) {
    const matches = (lines.get(item) ?? []).filter((p) => p.order_address_id === addressId);
    if (matches.length === 0) {
      const elsewhere = [...new Set((lines.get(item) ?? []).map((p) => p.order_address_id))];
      return fail(
        "E_ITEM_OTHER_ADDRESS",
        `${atLine(item)}${itemName(item)} is at shipping address ${elsewhere.join(", ")}, not at ${addressText}; one shipment goes to one address`,
      );
    }
    const available = matches.reduce((sum, p) => sum + Math.max(0, leftOf(p)), 0);
    const wanted = item.quantity ?? available;
    if (wanted === 0 || wanted > available) {
      const ordered = matches.reduce((sum, p) => sum + p.quantity, 0);
      const shipped = matches.reduce((sum, p) => sum + p.quantity_shipped, 0);
      const earlier = matches.reduce((sum, p) => sum + (taken.get(p.id) ?? 0), 0);
      return fail(
        "E_ITEM_OVER_QUANTITY",
        `${atLine(item)}${item.quantity === undefined ? "everything left of " : `${wanted} × `}${itemName(item)}, but ${available} ${available === 1 ? "is" : "are"} left to ship at address ${addressText} (ordered ${ordered}, shipped ${shipped}${earlier > 0 ? `, earlier rows of this shipment take ${earlier}` : ""})`,
      );
    }
    let rest = wanted;
    for (const p of matches) {
      const take = Math.min(rest, Math.max(0, leftOf(p)));
      if (take > 0) taken.set(p.id, (taken.get(p.id) ?? 0) + take);
      rest -= take;
      if (rest === 0) break;
    }
  }
  const items: Items = [...taken].map(([id, quantity]) => ({ order_product_id: id, quantity }));
  return body(addressId, items);
}

const columnOfField = new Map<BillingField, ColumnName>(
  COLUMNS.flatMap((column) =>
    column.billingField ? [[column.billingField, column.name] as const] : [],
  ),
);
columnOfField.set("country_iso2", "billing_country");

export interface PutPlan {
  /** Only the fields the row changes; `undefined` when no PUT is needed. */
  readonly body: OrderPut | undefined;
  /** Names for `fields_updated`, in column order (status_id, staff_notes, customer_message, billing_*). */
  readonly fields: readonly string[];
}

const same = (a: string | undefined, b: string | undefined) => (a ?? "") === (b ?? "");

/**
 * The PUT body for a row. `order` is the current order when it was read (billing rows, dry runs):
 * then billing fields are merged into the whole current address (the spec requires `zip` in every
 * billing_address sent, docs/bigcommerce-api.md §1) and values equal to the current ones are left out, so a re-run
 * writes nothing and sends no second status email. Without `order` (status/notes-only rows, one
 * request each) every field the row sets is sent.
 * A billing address equal to the current one is never sent: it would make BigCommerce recalculate totals for nothing.
 */
export function planPut(row: CheckedRow, order: Order | undefined): PutPlan {
  const { changes } = row;
  const body: OrderPut = {};
  const fields: string[] = [];
  if (changes.statusId !== undefined && order?.status_id !== changes.statusId) {
    body.status_id = changes.statusId;
    fields.push("status_id");
  }
  if (changes.staffNotes !== undefined && !(order && same(order.staff_notes, changes.staffNotes))) {
    body.staff_notes = changes.staffNotes;
    fields.push("staff_notes");
  }
  if (
    changes.customerMessage !== undefined &&
    !(order && same(order.customer_message, changes.customerMessage))
  ) {
    body.customer_message = changes.customerMessage;
    fields.push("customer_message");
  }
  if (changes.billing !== undefined && order !== undefined) {
    const current = order.billing_address;
    // Only the 12 writable fields: never echo the rest of a GET (form_fields, ids) back in a PUT.
    const merged = {} as BillingAddress;
    for (const field of BILLING_FIELDS) merged[field] = String(current[field] ?? "");
    const changed = new Set<ColumnName>();
    for (const field of BILLING_FIELDS) {
      const wanted = changes.billing[field];
      if (wanted === undefined) continue;
      // Country is compared by its code: stores hold names in several spellings.
      const differs =
        field === "country"
          ? false
          : field === "country_iso2"
            ? wanted.toUpperCase() !== merged.country_iso2.toUpperCase()
            : wanted !== merged[field];
      merged[field] = wanted;
      if (differs) changed.add(columnOfField.get(field) as ColumnName);
    }
    if (changed.size > 0) {
      body.billing_address = merged;
      for (const column of changes.billingColumns ?? []) {
        if (changed.has(column)) fields.push(column);
      }
    }
  }
  return { body: fields.length > 0 ? body : undefined, fields };
}

/** The totals BigCommerce may recalculate after a billing change (docs/bigcommerce-api.md §1 "Side effect"). */
const TOTAL_FIELDS = [
  "subtotal_ex_tax",
  "subtotal_inc_tax",
  "total_ex_tax",
  "total_inc_tax",
  "total_tax",
] as const;

/** Human description of the totals that changed between two reads of an order, or undefined. */
export function describeTotalsChange(before: Order, after: Order): string | undefined {
  const changed = TOTAL_FIELDS.filter(
    (field) => before[field] !== undefined && Number(before[field]) !== Number(after[field]),
  );
  if (changed.length === 0) return undefined;
  return `BigCommerce recalculated the order totals: ${changed
    .map((field) => `${field} ${before[field]} → ${after[field]}`)
    .join(", ")}`;
}
