import type { StoreApi } from "../api/store-api.js";
import { sameTracking } from "../check/tracking.js";
import type { CheckedRow, Order, OrderProduct, Shipment, ShippingAddress } from "../types.js";

/**
 * What a row's plan needs to know of its order, read before the row's first write. The one place
 * that decides what to read, so that planning (plan/plan-row.ts) stays a pure function of the row
 * and this state.
 */
export interface OrderState {
  /** GET /orders/{id}: read for billing rows (to merge the address) and dry runs (to compare). */
  readonly order?: Order;
  /** Read for shipment rows: what is shipped already, where to, and what is left. */
  readonly shipping?: {
    readonly shipments: readonly Shipment[];
    readonly addresses: readonly ShippingAddress[];
    readonly products: readonly OrderProduct[];
  };
  /**
   * The shipment a row corrects or deletes (update_shipment_id, delete_shipment_id: GET
   * /orders/{id}/shipments/{shipment_id}, docs/bigcommerce-api.md §12); null: not on this order.
   */
  readonly target?: Shipment | null;
}

/** The reads a row needs. A status/notes-only row needs none: its one request is the PUT. */
export function readsNeeded(
  row: CheckedRow,
  dryRun: boolean,
): { readonly order: boolean; readonly shipping: boolean } {
  return {
    // A conditional update (expect_…) compares the order before writing (plan/conditions.ts).
    order: dryRun || row.changes.billing !== undefined || row.changes.expect !== undefined,
    shipping: row.changes.shipment !== undefined,
  };
}

/**
 * Read the state a row's plan needs; `undefined` when the order does not exist (404). A shipment
 * whose tracking number already exists needs neither addresses nor products: nothing is created.
 */
export async function readOrderState(
  row: CheckedRow,
  api: StoreApi,
  dryRun: boolean,
  signal: AbortSignal,
): Promise<OrderState | undefined> {
  const reads = readsNeeded(row, dryRun);
  let order: Order | undefined;
  if (reads.order) {
    order = await api.getOrder(row.orderId, signal);
    if (order === undefined) return undefined;
  }
  const request = row.changes.shipment;
  if (!reads.shipping || request === undefined) return order ? { order } : {};
  const shipments = await api.listShipments(row.orderId, signal);
  const addresses = shipments.some((s) => sameTracking(s.tracking_number, request.trackingNumber))
    ? []
    : await api.listShippingAddresses(row.orderId, signal);
  const products = addresses.length > 0 ? await api.listProducts(row.orderId, signal) : [];
  return { ...(order ? { order } : {}), shipping: { shipments, addresses, products } };
}
