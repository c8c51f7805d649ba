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
  | { readonly ok: true; readonly kind: "exists"; readonly shipment: Shipment }
  | { readonly ok: true; readonly kind: "create"; readonly body: ShipmentPost }
  | PlanFailure;

/** Lines that still have something to ship at `addressId`: physical lines only (digital lines have no address). */
function unshippedItems(products: readonly OrderProduct[], addressId: number) {
  const items: ShipmentPost["items"] = [];
  for (const product of products) {
    const left = product.quantity - product.quantity_shipped;
    if (product.type === "physical" && product.order_address_id === addressId && left > 0) {
      items.push({ order_product_id: product.id, quantity: left });
    }
  }
  return items;
}

/**
 * The shipment a row asks for: an existing one with the same tracking number (re-runs are safe,
 * docs/bigcommerce-api.md §5: V2 has no idempotency key), or a new one for everything still unshipped at the
 * order's one shipping address (or the row's order_address_id).
 */
export function planShipment(
  request: ShipmentRequest,
  shipments: readonly Shipment[],
  addresses: readonly ShippingAddress[],
  products: readonly OrderProduct[],
): ShipmentPlan {
  const existing = shipments.find((shipment) =>
    sameTracking(shipment.tracking_number, request.trackingNumber),
  );
  if (existing) return { ok: true, kind: "exists", shipment: existing };

  const ids = addresses.map((address) => address.id);
  let addressId: number;
  if (request.orderAddressId !== undefined) {
    if (!ids.includes(request.orderAddressId)) {
      return {
        ok: false,
        code: "E_ADDRESS_NOT_ON_ORDER",
        message: `order_address_id ${request.orderAddressId} is not a shipping address of this order (its addresses: ${ids.join(", ") || "none"})`,
      };
    }
    addressId = request.orderAddressId;
  } else if (ids.length === 0) {
    return {
      ok: false,
      code: "E_NO_SHIPPING_ADDRESS",
      message: "the order has no shipping address, so nothing can be shipped",
    };
  } else if (ids.length > 1) {
    return {
      ok: false,
      code: "E_SEVERAL_ADDRESSES",
      message: `the order has several shipping addresses (${ids.join(", ")}); set order_address_id to one of them`,
    };
  } else {
    addressId = ids[0] as number;
  }

  const items = unshippedItems(products, addressId);
  if (items.length === 0) {
    return {
      ok: false,
      code: "E_NOTHING_TO_SHIP",
      message: `nothing is left to ship to address ${addressId}: every physical line is already shipped`,
    };
  }
  return {
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
  };
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
