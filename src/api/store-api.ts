import type {
  Order,
  OrderProduct,
  OrderPut,
  OrderStatus,
  OrderWithConsignments,
  Shipment,
  ShipmentPost,
  ShipmentPut,
  ShippingAddress,
} from "../types.js";

/** Counters of one store's traffic, for the summary and the benchmarks. */
export interface ApiStats {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Responses with status 429. */
  rateLimited: number;
  /** Attempts that were retries. */
  retries: number;
}

/**
 * The V2 Orders endpoints this tool uses. The only port between the core and HTTP.
 * Every method takes an AbortSignal; list methods page through `limit=250` and treat 204 as empty.
 * Errors are the classes of api/errors.ts.
 */
export interface StoreApi {
  /** The order, or `undefined` when BigCommerce answers 404. */
  getOrder(orderId: number, signal?: AbortSignal): Promise<Order | undefined>;
  /**
   * GET /orders/{id}?include=consignments.line_items&consignment_structure=object: the order with its
   * addresses and lines in one request (docs/bigcommerce-api.md §6); `undefined` on 404.
   */
  getOrderWithConsignments(
    orderId: number,
    signal?: AbortSignal,
  ): Promise<OrderWithConsignments | undefined>;
  /**
   * One page of GET /orders?min_id&max_id&limit=250&page&sort=id:asc with the same include
   * (docs/bigcommerce-api.md §11): every order whose id is in [minId, maxId]; 204 = an empty page.
   * Lists cap each consignment at 50 lines and say so in `__warning__` (§11).
   */
  listOrdersInRange(
    minId: number,
    maxId: number,
    page: number,
    signal?: AbortSignal,
  ): Promise<OrderWithConsignments[]>;
  listOrderStatuses(signal?: AbortSignal): Promise<OrderStatus[]>;
  /** The newest order (GET /orders?limit=1&sort=id:desc), for the set-up check; undefined when the store has none. */
  latestOrder(signal?: AbortSignal): Promise<Order | undefined>;
  listProducts(orderId: number, signal?: AbortSignal): Promise<OrderProduct[]>;
  listShippingAddresses(orderId: number, signal?: AbortSignal): Promise<ShippingAddress[]>;
  listShipments(orderId: number, signal?: AbortSignal): Promise<Shipment[]>;
  /** PUT: absolute values, retried on transient failures. */
  updateOrder(orderId: number, body: OrderPut, signal?: AbortSignal): Promise<Order>;
  /**
   * POST: not idempotent. Retried only when the request certainly was not applied (429, connection refused);
   * any unclear failure (timeout, reset, 5xx) is thrown so the caller can re-read shipments first.
   */
  createShipment(orderId: number, body: ShipmentPost, signal?: AbortSignal): Promise<Shipment>;
  /**
   * GET /orders/{id}/shipments/{shipment_id}: the shipment, or `undefined` on 404 (none with this id
   * on this order, docs/bigcommerce-api.md §12).
   */
  getShipment(
    orderId: number,
    shipmentId: number,
    signal?: AbortSignal,
  ): Promise<Shipment | undefined>;
  /** PUT /orders/{id}/shipments/{shipment_id}: absolute values, retried like updateOrder (§12). */
  updateShipment(
    orderId: number,
    shipmentId: number,
    body: ShipmentPut,
    signal?: AbortSignal,
  ): Promise<Shipment>;
  /**
   * DELETE /orders/{id}/shipments/{shipment_id} (204, §12). Retried on transient failures: a retry
   * of a delete that was applied meets a 404, which is `"gone"`, so the outcome is the same.
   */
  deleteShipment(
    orderId: number,
    shipmentId: number,
    signal?: AbortSignal,
  ): Promise<"deleted" | "gone">;
  readonly stats: ApiStats;
}
