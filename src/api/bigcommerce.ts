import { InternalError } from "../errors.js";
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
import {
  createHttpClient,
  type HttpRequest,
  type HttpResponse,
  isRecord,
  parseBody,
  statusError,
  UnexpectedResponseError,
} from "./client.js";
import { ApiError, type RequestContext } from "./errors.js";
import {
  hasServerWait,
  parseRateLimitHeaders,
  type RateLimitEvent,
  RateLimitGate,
} from "./rate-limit.js";
import { type Backoff, DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, RetryQuota } from "./retry-policy.js";
import { normalizeAccessToken } from "./secret.js";
import type { ApiStats, StoreApi } from "./store-api.js";
import { checkApiUrl } from "./url.js";
import { type AttemptResult, withRetry } from "./with-retry.js";

export interface StoreConfig {
  /** The store's permanent id, as in `/stores/{store_hash}/v2`. */
  storeHash: string;
  /**
   * Sent as X-Auth-Token; never appears in an error, event or log. Surrounding whitespace is
   * trimmed; one shorter than 8 characters or with inner spaces or control characters is refused
   * (E_ACCESS_TOKEN, secret.ts).
   */
  accessToken: string;
  /** e.g. https://api.bigcommerce.com; requests go to `${apiUrl}/stores/${storeHash}/v2/...`. */
  apiUrl: URL;
}

export interface ApiOptions {
  /** Identifies the integration (docs/bigcommerce-api.md §7), e.g. "bc-order-batch/0.1.0 (+https://…)". */
  userAgent: string;
  /** Deadline per attempt, in ms (--timeout). @default 30000 */
  timeoutMs?: number;
  /** Attempts per request on transient failures. @default 5 */
  maxAttempts?: number;
  /** Retry backoff in ms: capped exponential with full jitter. @default { baseMs: 1000, maxMs: 30000 } */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Requests per window left for the store's other apps. @default 10 % of the quota, rounded up, once known */
  reserve?: number;
  /** Run-level retry budget, shared by all stores of a run. @default a new RetryQuota() per store */
  retryQuota?: RetryQuota;
  /** Largest response body read, in bytes; a larger one fails its request (E_RESPONSE_TOO_LARGE). @default 16 MiB */
  maxResponseBytes?: number;
  /** For --debug logs and progress; never carries the token. Must not throw. */
  onEvent?: (event: ApiEvent) => void;
}

/**
 * What the HTTP layer reports. `path` is below `/stores/{hash}/v2` and includes the query.
 * - response: one answer; `attempt` is 1 for the first try; `ms` from sending to the last byte.
 * - retry: a failed attempt will be repeated; `attempt` is the number of the attempt about to be made,
 *   `delayMs` its backoff (0 when the rate-limit gate holds it), `reason` e.g. "HTTP 503", "ECONNRESET".
 * - rate_limited: a 429 closed the gate for `waitMs` (`withHeaders`: server-given wait, else a backoff).
 * - throttle: the gate paused all workers for about `waitMs` because the window's quota (minus the
 *   reserve and requests in flight) is used up; `left` is the freshest requests-left count.
 */
export type ApiEvent =
  | { type: "response"; method: string; path: string; status: number; ms: number; attempt: number }
  | {
      type: "retry";
      method: string;
      path: string;
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | RateLimitEvent;

/** Page size of V2 lists: the documented maximum (docs/bigcommerce-api.md §4). */
export const PAGE_LIMIT = 250;

/** The include that brings an order's addresses and lines with it (docs/bigcommerce-api.md §6). */
const CONSIGNMENTS_QUERY = {
  include: "consignments.line_items",
  consignment_structure: "object",
} as const;

/**
 * Pages read at most per list (62,500 items). V2 lists carry no total, so a server that ignored `page`
 * would otherwise be read forever.
 */
export const MAX_PAGES = 250;

/** A number option, or its default; the values were checked where the run's options were (options.ts). */
function orDefault(value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : value;
}

function checkOrderId(orderId: number): number {
  if (!Number.isSafeInteger(orderId) || orderId <= 0) {
    throw new InternalError(`order id must be a positive integer, got ${String(orderId)}`);
  }
  return orderId;
}

/** The StoreApi of one store over the V2 Orders API, with its RateLimitGate (one per store, shared by all workers). */
export function createStoreApi(
  config: StoreConfig,
  options: ApiOptions,
): StoreApi & { readonly gate: RateLimitGate } {
  const baseUrl = checkApiUrl(config.apiUrl);
  // Trimmed like axios trims the header, so that redaction looks for the value actually sent.
  const accessToken = normalizeAccessToken(config.accessToken, "accessToken");
  const timeoutMs = orDefault(options.timeoutMs, 30_000);
  const maxAttempts = orDefault(options.maxAttempts, DEFAULT_MAX_ATTEMPTS);
  const backoff: Backoff = {
    baseMs: orDefault(options.backoff?.baseMs, DEFAULT_BACKOFF.baseMs),
    maxMs: orDefault(options.backoff?.maxMs, DEFAULT_BACKOFF.maxMs),
  };
  const reserve = options.reserve;
  const quota = options.retryQuota ?? new RetryQuota();
  const onEvent = options.onEvent;
  const http = createHttpClient({
    baseUrl,
    storeHash: config.storeHash,
    accessToken,
    userAgent: options.userAgent,
    timeoutMs,
    ...(options.maxResponseBytes === undefined
      ? {}
      : { maxResponseBytes: options.maxResponseBytes }),
  });
  const gate = new RateLimitGate({
    backoff,
    ...(reserve === undefined ? {} : { reserve }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
  const stats: ApiStats = { requests: 0, rateLimited: 0, retries: 0 };

  /**
   * One request with gate, retries and status mapping. Resolves with the 2xx response, or undefined
   * for a 404 when `notFoundIsEmpty`.
   */
  function call(
    request: HttpRequest,
    signal: AbortSignal | undefined,
    notFoundIsEmpty = false,
  ): Promise<HttpResponse | undefined> {
    const context: RequestContext = { method: request.method, path: http.describePath(request) };
    return withRetry<HttpResponse | undefined>(
      async (attempt): Promise<AttemptResult<HttpResponse | undefined>> => {
        await gate.acquire(signal);
        stats.requests += 1;
        const started = Date.now();
        let response: HttpResponse;
        try {
          response = await http.send(request, signal);
        } catch (error) {
          gate.release();
          throw error;
        }
        gate.update(response.headers, response.status);
        if (response.status === 429) stats.rateLimited += 1;
        onEvent?.({
          type: "response",
          method: context.method,
          path: context.path,
          status: response.status,
          ms: Date.now() - started,
          attempt,
        });
        if (response.status >= 200 && response.status < 300) return { ok: true, value: response };
        if (response.status === 404 && notFoundIsEmpty) return { ok: true, value: undefined };
        return {
          ok: false,
          error: statusError(context, response, accessToken),
          rateLimitHeaders:
            response.status === 429 && hasServerWait(parseRateLimitHeaders(response.headers)),
        };
      },
      {
        request: context,
        maxAttempts,
        backoff,
        quota,
        signal,
        onRetry: (notice) => {
          stats.retries += 1;
          onEvent?.({
            type: "retry",
            method: context.method,
            path: context.path,
            attempt: notice.attempt,
            delayMs: notice.delayMs,
            reason: notice.reason,
          });
        },
      },
    );
  }

  /** A 2xx response that must carry a JSON object with a numeric `id` (an order or a shipment). */
  function readEntity<T>(
    request: HttpRequest,
    response: HttpResponse | undefined,
    what: string,
  ): T {
    const context: RequestContext = { method: request.method, path: http.describePath(request) };
    const body = response === undefined ? undefined : parseBody(response.text);
    if (body === undefined || !("json" in body) || !isRecord(body.json)) {
      throw new UnexpectedResponseError(context, response?.status ?? 0, what);
    }
    if (typeof body.json.id !== "number")
      throw new UnexpectedResponseError(context, response?.status ?? 0, what);
    return body.json as T;
  }

  /** A list response: 204 or an empty body is an empty list (docs/bigcommerce-api.md §4, §5). */
  function readList<T>(request: HttpRequest, response: HttpResponse | undefined): T[] {
    if (response === undefined || response.status === 204) return [];
    const body = parseBody(response.text);
    if (body === undefined) return [];
    if (!("json" in body) || !Array.isArray(body.json)) {
      const context: RequestContext = { method: request.method, path: http.describePath(request) };
      throw new UnexpectedResponseError(context, response.status, "JSON array");
    }
    return body.json as T[];
  }

  /** Pages through `?limit=250&page=N` until a page is short, empty or 204. */
  async function listAll<T>(path: string, signal: AbortSignal | undefined): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const request: HttpRequest = { method: "GET", path, query: { limit: PAGE_LIMIT, page } };
      const batch = readList<T>(request, await call(request, signal));
      items.push(...batch);
      if (batch.length < PAGE_LIMIT) return items;
    }
    throw new ApiError(
      "E_TOO_MANY_PAGES",
      `More than ${MAX_PAGES} pages of ${PAGE_LIMIT} (GET ${path}); the server may ignore 'page'`,
      { method: "GET", path },
    );
  }

  return {
    stats,
    gate,

    async getOrder(orderId, signal) {
      const request: HttpRequest = { method: "GET", path: `/orders/${checkOrderId(orderId)}` };
      const response = await call(request, signal, true);
      if (response === undefined) return undefined;
      return readEntity<Order>(request, response, "order");
    },

    async getOrderWithConsignments(orderId, signal) {
      const request: HttpRequest = {
        method: "GET",
        path: `/orders/${checkOrderId(orderId)}`,
        query: { ...CONSIGNMENTS_QUERY },
      };
      const response = await call(request, signal, true);
      if (response === undefined) return undefined;
      return readEntity<OrderWithConsignments>(request, response, "order");
    },

    async listOrdersInRange(minId, maxId, page, signal) {
      const request: HttpRequest = {
        method: "GET",
        path: "/orders",
        query: {
          min_id: checkOrderId(minId),
          max_id: checkOrderId(maxId),
          limit: PAGE_LIMIT,
          page,
          sort: "id:asc",
          ...CONSIGNMENTS_QUERY,
        },
      };
      return readList<OrderWithConsignments>(request, await call(request, signal));
    },

    async latestOrder(signal) {
      const request: HttpRequest = {
        method: "GET",
        path: "/orders",
        query: { limit: 1, sort: "id:desc" },
      };
      return readList<Order>(request, await call(request, signal))[0];
    },

    async listOrderStatuses(signal) {
      const request: HttpRequest = { method: "GET", path: "/order_statuses" };
      return readList<OrderStatus>(request, await call(request, signal));
    },

    listProducts(orderId, signal) {
      return listAll<OrderProduct>(`/orders/${checkOrderId(orderId)}/products`, signal);
    },

    listShippingAddresses(orderId, signal) {
      return listAll<ShippingAddress>(
        `/orders/${checkOrderId(orderId)}/shipping_addresses`,
        signal,
      );
    },

    listShipments(orderId, signal) {
      return listAll<Shipment>(`/orders/${checkOrderId(orderId)}/shipments`, signal);
    },

    async updateOrder(orderId, body: OrderPut, signal) {
      const request: HttpRequest = {
        method: "PUT",
        path: `/orders/${checkOrderId(orderId)}`,
        body,
      };
      return readEntity<Order>(request, await call(request, signal), "order");
    },

    async createShipment(orderId, body: ShipmentPost, signal) {
      const request: HttpRequest = {
        method: "POST",
        path: `/orders/${checkOrderId(orderId)}/shipments`,
        body,
      };
      return readEntity<Shipment>(request, await call(request, signal), "shipment");
    },

    async getShipment(orderId, shipmentId, signal) {
      const request: HttpRequest = {
        method: "GET",
        path: `/orders/${checkOrderId(orderId)}/shipments/${checkOrderId(shipmentId)}`,
      };
      const response = await call(request, signal, true);
      if (response === undefined) return undefined;
      return readEntity<Shipment>(request, response, "shipment");
    },

    async updateShipment(orderId, shipmentId, body: ShipmentPut, signal) {
      const request: HttpRequest = {
        method: "PUT",
        path: `/orders/${checkOrderId(orderId)}/shipments/${checkOrderId(shipmentId)}`,
        body,
      };
      return readEntity<Shipment>(request, await call(request, signal), "shipment");
    },

    async deleteShipment(orderId, shipmentId, signal) {
      const request: HttpRequest = {
        method: "DELETE",
        path: `/orders/${checkOrderId(orderId)}/shipments/${checkOrderId(shipmentId)}`,
      };
      // 404: already gone (deleted by someone else, or by an attempt whose answer was lost).
      const response = await call(request, signal, true);
      return response === undefined ? "gone" : "deleted";
    },
  };
}
