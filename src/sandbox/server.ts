import { setMaxListeners } from "node:events";
/**
 * The sandbox store's HTTP edge: routing, auth, quota, faults and the V2 wire format
 * (docs/bigcommerce-api.md §7-9). State lives in store.ts, policy in policy.ts, body checks in checks.ts.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import {
  type Checked,
  checkOrderPut,
  checkShipmentPost,
  checkShipmentPut,
  type V2Error,
} from "./checks.js";
import { SandboxError } from "./errors.js";
import { checkFaultRule, FaultPlan } from "./faults.js";
import {
  CONSIGNMENT_STRUCTURES,
  DEFAULT_LIST_LIMIT,
  LISTED_CONSIGNMENT_LINE_CAP,
  MAX_BODY_BYTES,
  MAX_LIST_LIMIT,
  ORDER_ID_FILTERS,
  ORDER_INCLUDES,
  ORDER_SORTS,
  UNMODELLED_ORDER_FILTERS,
} from "./policy.js";
import { QuotaWindow, rateLimitHeaders, retryAfterSeconds } from "./rate-limit.js";
import {
  fixedSource,
  generatedSource,
  loadSeedFile,
  type SeedSource,
  sampleOrders,
} from "./seed.js";
import { MemoryStore, NOT_FOUND_MESSAGE, type OrderQuery, type OrderView } from "./store.js";
import type {
  FaultRule,
  RequestLogEntry,
  Sandbox,
  SandboxOptions,
  SandboxRoute,
  SandboxStats,
} from "./types.js";

interface Settings {
  port: number;
  host: string;
  storeHash: string;
  accessToken: string;
  quota: number;
  windowMs: number;
  latencyMs: number;
  faults: FaultRule[];
  randomSeed: number;
}

/** An answer: JSON body (none for 204), extra headers. */
interface Reply {
  status: number;
  body?: unknown;
  /** Raw text body with its content type (gateway-style error pages). */
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
}

/** Routes below `/stores/{hash}/v2`, as data: path pattern and the route name per method. */
const ROUTES: readonly { pattern: RegExp; methods: Readonly<Record<string, SandboxRoute>> }[] = [
  // POST /orders (create an order) exists in BigCommerce but is not modelled: 405.
  { pattern: /^\/orders$/, methods: { GET: "orders" } },
  { pattern: /^\/orders\/(\d+)$/, methods: { GET: "order", PUT: "order_put" } },
  { pattern: /^\/orders\/(\d+)\/products$/, methods: { GET: "products" } },
  // The spec's resource links spell it `shippingaddresses` (V2 Orders reference); accept both.
  {
    pattern: /^\/orders\/(\d+)\/(?:shipping_addresses|shippingaddresses)$/,
    methods: { GET: "shipping_addresses" },
  },
  { pattern: /^\/orders\/(\d+)\/shipments$/, methods: { GET: "shipments", POST: "shipment_post" } },
  {
    pattern: /^\/orders\/(\d+)\/shipments\/(\d+)$/,
    methods: { GET: "shipment", PUT: "shipment_put", DELETE: "shipment_delete" },
  },
  { pattern: /^\/order_statuses$/, methods: { GET: "order_statuses" } },
];

const API_PREFIX = /^\/stores\/([^/]+)\/v2(\/.*)$/;

/** Bodies of injected error statuses: V2 arrays, except gateway pages that are HTML (docs/bigcommerce-api.md §9). */
const GATEWAY_PAGES: Readonly<Record<number, string>> = {
  502: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
  504: "<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>",
};

const MESSAGES: Readonly<Record<number, string>> = {
  401: "You are not authorized to access this resource. Check the X-Auth-Token header.",
  403: "You don't have a required scope to access the endpoint.",
  404: NOT_FOUND_MESSAGE,
  429: "You have exceeded the rate limit for this store. Retry after the time given in X-Retry-After.",
  500: "Internal Server Error",
  503: "The store is unavailable. Please try again later.",
};

const v2 = (status: number, message?: string, details?: Record<string, unknown>): Reply => {
  const error: V2Error = {
    status,
    message: message ?? MESSAGES[status] ?? STATUS_CODES[status] ?? "Error",
  };
  if (details !== undefined) error.details = details;
  return { status, body: [error] };
};

const fromChecked = <T>(checked: Checked<T>, status: number, body: (value: T) => unknown): Reply =>
  checked.ok
    ? { status, body: body(checked.value) }
    : { status: checked.error.status, body: [checked.error] };

function normalize(options: SandboxOptions): Settings {
  const fail = (field: string, expected: string): never => {
    throw new SandboxError("E_SANDBOX_OPTIONS", `Sandbox option ${field} must be ${expected}`);
  };
  const settings: Settings = {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    storeHash: options.storeHash ?? "sandbox",
    accessToken: options.accessToken ?? "sandbox-token",
    quota: options.quota ?? 150,
    windowMs: options.windowMs ?? 30_000,
    latencyMs: options.latencyMs ?? 0,
    faults: options.faults ?? [],
    randomSeed: options.randomSeed ?? 1,
  };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535)
    fail("port", "0-65535");
  if (!/^[A-Za-z0-9_-]+$/.test(settings.storeHash)) fail("storeHash", "letters, digits, - or _");
  if (settings.accessToken === "") fail("accessToken", "a non-empty string");
  if (!(settings.quota >= 0)) fail("quota", "a number >= 0 (0 or Infinity: unlimited)");
  if (!(settings.windowMs > 0 && Number.isFinite(settings.windowMs)))
    fail("windowMs", "a number > 0");
  if (!(settings.latencyMs >= 0 && Number.isFinite(settings.latencyMs)))
    fail("latencyMs", "a number >= 0");
  settings.faults.forEach(checkFaultRule);
  return settings;
}

async function resolveSource(seed: SandboxOptions["seed"]): Promise<SeedSource> {
  if (seed === undefined) return fixedSource(await loadSeedFile());
  if ("generate" in seed) return generatedSource(seed.generate.orders, seed.generate.seed);
  return fixedSource(seed);
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((part) => {
    const type = (part.split(";")[0] ?? "").trim().toLowerCase();
    return (
      type === "*/*" ||
      type === "application/*" ||
      type === "application/json" ||
      type.endsWith("+json")
    );
  });
}

function readBody(req: IncomingMessage): Promise<Buffer | "too_large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "too_large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** JSON body of a PUT/POST: Content-Type must be JSON (docs/bigcommerce-api.md §7, §9: 400 missing, 415 wrong). */
function parseJson(
  req: IncomingMessage,
  body: Buffer,
): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  const type = req.headers["content-type"];
  if (type === undefined || type.trim() === "") {
    return {
      ok: false,
      reply: v2(400, "The Content-Type header is missing; send application/json."),
    };
  }
  const mediaType = (type.split(";")[0] ?? "").trim().toLowerCase();
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
    return { ok: false, reply: v2(415, "The Content-Type must be application/json.") };
  }
  try {
    return { ok: true, value: JSON.parse(utf8.decode(body)) };
  } catch {
    return { ok: false, reply: v2(400, "The request body is not valid UTF-8 JSON.") };
  }
}

/** `page` and `limit` of a V2 list (docs/bigcommerce-api.md §4: page from 1, limit 50 by default, 250 at most). */
function readPaging(query: URLSearchParams): { offset: number; limit: number } | Reply {
  const read = (name: string, fallback: number): number | Reply => {
    const text = query.get(name);
    if (text === null) return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= 1))
      return v2(400, `The field '${name}' is invalid.`, {
        invalid_reason: "Expected a positive integer.",
      });
    return value;
  };
  const pageNo = read("page", 1);
  if (typeof pageNo !== "number") return pageNo;
  const limit = read("limit", DEFAULT_LIST_LIMIT);
  if (typeof limit !== "number") return limit;
  // "the `limit` parameter exceeded the maximum" → 413 (docs/bigcommerce-api.md §4).
  if (limit > MAX_LIST_LIMIT)
    return v2(413, `The limit parameter exceeded the maximum of ${MAX_LIST_LIMIT}.`);
  return { offset: (pageNo - 1) * limit, limit };
}

/** V2 answers an empty list (or a page past the end) with 204 and no body (docs/bigcommerce-api.md §4-5). */
const listReply = (items: readonly unknown[]): Reply =>
  items.length === 0 ? { status: 204 } : { status: 200, body: items };

function page<T>(items: readonly T[], query: URLSearchParams): Reply {
  const paging = readPaging(query);
  if (!("offset" in paging)) return paging;
  return listReply(items.slice(paging.offset, paging.offset + paging.limit));
}

/** A non-negative integer query parameter; undefined when absent. */
function readInteger(query: URLSearchParams, name: string): number | undefined | Reply {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text)) {
    return v2(400, `The field '${name}' is invalid.`, {
      invalid_reason: "Expected a whole number.",
    });
  }
  return Number(text);
}

const isReply = (value: unknown): value is Reply =>
  typeof value === "object" && value !== null && "status" in value;

/** What `include` asks for (docs/bigcommerce-api.md §6). */
interface Include {
  consignments?: { lineItems: boolean; structure: "object" | "array" };
  fees?: boolean;
}

/**
 * `include` and `consignment_structure` of GET /orders and GET /orders/{id} (docs/bigcommerce-api.md
 * §6): how each order is rendered, or a 400 for a value BigCommerce does not document.
 */
function readInclude(query: URLSearchParams): Include | Reply {
  const values = (query.get("include") ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "");
  const unknown = values.find((value) => !ORDER_INCLUDES.has(value));
  if (unknown !== undefined) {
    return v2(400, "The field 'include' is invalid.", {
      invalid_reason: `Expected a comma list of ${[...ORDER_INCLUDES].join(", ")}.`,
    });
  }
  const structure = query.get("consignment_structure");
  if (structure !== null && !CONSIGNMENT_STRUCTURES.has(structure)) {
    return v2(400, "The field 'consignment_structure' is invalid.", {
      invalid_reason: `Expected ${[...CONSIGNMENT_STRUCTURES].join(", ")}.`,
    });
  }
  const include: Include = {};
  const lineItems = values.includes("consignments.line_items");
  // `consignments.line_items` implies `consignments` (Orders reference, include parameter).
  if (lineItems || values.includes("consignments")) {
    include.consignments = { lineItems, structure: structure === "object" ? "object" : "array" };
  }
  if (values.includes("fees")) include.fees = true;
  return include;
}

/**
 * GET /orders (docs/bigcommerce-api.md §11): by id, `min_id`/`max_id` (inclusive) and `status_id`
 * filters, `sort`, paging, and the include of §6 with at most 50 lines per consignment.
 */
function orderQuery(query: URLSearchParams): { query: OrderQuery; include: Include } | Reply {
  const filter = UNMODELLED_ORDER_FILTERS.find((name) => query.has(name));
  if (filter !== undefined) {
    return v2(400, `The field '${filter}' is invalid.`, {
      invalid_reason: `The sandbox store does not model the '${filter}' parameter.`,
    });
  }
  const sort = query.get("sort")?.trim().toLowerCase() ?? "id";
  // hasOwn: `sort=constructor` must not find Object.prototype's members.
  const direction = Object.hasOwn(ORDER_SORTS, sort) ? ORDER_SORTS[sort] : undefined;
  if (direction === undefined) {
    return v2(400, "The field 'sort' is invalid.", {
      invalid_reason: `Expected one of ${Object.keys(ORDER_SORTS).join(", ")}.`,
    });
  }
  const filters: Partial<Record<(typeof ORDER_ID_FILTERS)[number], number>> = {};
  for (const name of ORDER_ID_FILTERS) {
    const value = readInteger(query, name);
    if (isReply(value)) return value;
    if (value !== undefined) filters[name] = value;
  }
  const include = readInclude(query);
  if (isReply(include)) return include;
  const paging = readPaging(query);
  if (!("offset" in paging)) return paging;
  const orderQuery: OrderQuery = {
    minId: filters.min_id ?? 0,
    maxId: filters.max_id ?? Number.MAX_SAFE_INTEGER,
    direction,
    offset: paging.offset,
    limit: paging.limit,
  };
  if (filters.status_id !== undefined) orderQuery.statusId = filters.status_id;
  return { query: orderQuery, include };
}

class SandboxServer {
  readonly settings: Settings;
  readonly store: MemoryStore;
  readonly quota: QuotaWindow;
  readonly faults: FaultPlan;
  accessToken: string;
  readonly #closing = new AbortController();
  readonly #started = performance.now();
  readonly #log: RequestLogEntry[] = [];
  readonly #byRoute: Record<string, number> = {};
  readonly #perOrder = new Map<number, number>();
  #requests = 0;
  #inFlight = 0;
  #maxInFlight = 0;
  #maxPerOrder = 0;
  #served429 = 0;
  #writes = 0;

  constructor(settings: Settings, store: MemoryStore) {
    this.settings = settings;
    this.store = store;
    this.accessToken = settings.accessToken;
    this.quota = new QuotaWindow(settings.quota, settings.windowMs);
    this.faults = new FaultPlan(settings.faults, settings.randomSeed);
    // Every delayed or hung request listens on the closing signal: many at once is normal here.
    setMaxListeners(0, this.#closing.signal);
  }

  get signal(): AbortSignal {
    return this.#closing.signal;
  }

  abort(): void {
    this.#closing.abort();
  }

  stats(): SandboxStats {
    return {
      requests: this.#requests,
      byRoute: { ...this.#byRoute },
      maxInFlight: this.#maxInFlight,
      maxInFlightPerOrder: this.#maxPerOrder,
      served429: this.#served429,
      writesApplied: this.#writes,
      requestLog: this.#log.map((entry) => ({ ...entry })),
    };
  }

  /** One exchange. Never throws: failures of the sandbox itself answer 500. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = performance.now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const entry: RequestLogEntry = {
      t: arrival - this.#started,
      durationMs: 0,
      method,
      path: url.pathname,
      route: "other",
      status: 0,
    };
    this.#requests += 1;
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    let done = false;
    // Counted when the answer is written (not on the socket's events), so stats() is exact as soon
    // as the client has its response.
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      this.#inFlight -= 1;
      if (entry.orderId !== undefined) {
        const left = (this.#perOrder.get(entry.orderId) ?? 1) - 1;
        if (left === 0) this.#perOrder.delete(entry.orderId);
        else this.#perOrder.set(entry.orderId, left);
      }
      if (status === 429) this.#served429 += 1;
      entry.status = status;
      entry.durationMs = performance.now() - arrival;
      this.#byRoute[entry.route] = (this.#byRoute[entry.route] ?? 0) + 1;
      this.#log.push(entry);
    };
    res.once("close", () => finish(0)); // client gone, reset, or close() during a hang
    const send = (reply: Reply, headers: Record<string, string>): void => {
      finish(reply.status);
      if (res.destroyed || res.headersSent) return;
      const all: Record<string, string> = { ...headers, ...reply.headers };
      let payload: string | undefined;
      if (reply.text !== undefined) {
        all["content-type"] = reply.text.contentType;
        payload = reply.text.body;
      } else if (reply.body !== undefined && reply.status !== 204) {
        all["content-type"] = "application/json; charset=utf-8";
        payload = JSON.stringify(reply.body);
      }
      res.writeHead(reply.status, all);
      res.end(payload);
    };

    try {
      const body = await readBody(req);
      const { allowed, snapshot } = this.quota.take();
      const rateHeaders = rateLimitHeaders(snapshot);
      const screened = this.#screen(
        req,
        method,
        url,
        allowed,
        snapshot.resetMs,
        body === "too_large",
      );
      const { route, orderId, shipmentId } = screened;
      entry.route = route;
      if (orderId !== undefined) {
        entry.orderId = orderId;
        const now = (this.#perOrder.get(orderId) ?? 0) + 1;
        this.#perOrder.set(orderId, now);
        this.#maxPerOrder = Math.max(this.#maxPerOrder, now);
      }
      if (screened.reply !== undefined) {
        if (!(await this.#sleep(this.settings.latencyMs))) return finish(0);
        send(screened.reply, rateHeaders);
        return;
      }
      const decision = this.faults.decide({ method, route, orderId });
      if (!(await this.#sleep(this.settings.latencyMs + decision.latencyMs))) return finish(0);
      const rule = decision.rule;
      if (rule !== undefined) entry.fault = rule.kind;
      switch (rule?.kind) {
        case "hang":
          await this.#hang(res);
          return finish(0);
        case "reset":
          // No answer at all, nothing applied: the client sees ECONNRESET / socket hang up.
          finish(0);
          req.socket.destroy();
          return;
        case "status":
          send(faultReply(rule.status ?? 500), rateHeaders);
          return;
        case "rate_limit":
          send(this.#rateLimitFault(rule), rule.withHeaders === false ? {} : rateHeaders);
          return;
        case "applied_then_status": {
          // The write is applied in full, then the answer is lost: the case that makes a blind
          // POST retry create a duplicate shipment (docs/bigcommerce-api.md §5).
          const reply = this.#route(route, req, url, body as Buffer, orderId, shipmentId);
          send(reply.status < 300 ? faultReply(rule.status ?? 502) : reply, rateHeaders);
          return;
        }
        default:
          send(this.#route(route, req, url, body as Buffer, orderId, shipmentId), rateHeaders);
      }
    } catch {
      if (!done) send(v2(500), {});
    }
  }

  /**
   * Resolves the route, and the answers that need no handler, in BigCommerce's order: quota,
   * store, credentials, Accept, body size, method, path.
   */
  #screen(
    req: IncomingMessage,
    method: string,
    url: URL,
    allowed: boolean,
    resetMs: number,
    tooLarge: boolean,
  ): { route: SandboxRoute; orderId?: number; shipmentId?: number; reply?: Reply } {
    const api = API_PREFIX.exec(url.pathname);
    let target: { route: SandboxRoute; orderId?: number; shipmentId?: number } | undefined;
    let methodReply: Reply | undefined;
    for (const { pattern, methods } of api === null ? [] : ROUTES) {
      const match = pattern.exec(api?.[2] ?? "");
      if (match === null) continue;
      const route = methods[method];
      const orderId = match[1] === undefined ? undefined : Number(match[1]);
      if (route !== undefined) {
        target = orderId === undefined ? { route } : { route, orderId };
        if (match[2] !== undefined) target.shipmentId = Number(match[2]);
      }
      // PATCH is not supported by the V2 API: 501; other methods 405 (docs/bigcommerce-api.md §7, §9).
      else if (method === "PATCH") methodReply = v2(501);
      else methodReply = { ...v2(405), headers: { allow: Object.keys(methods).join(", ") } };
      break;
    }
    const at = target ?? { route: "other" as const };
    const answer = (reply: Reply) => ({ ...at, reply });
    if (!allowed) {
      // Over quota: 429, nothing applied (docs/bigcommerce-api.md §8).
      return answer({
        ...v2(429),
        headers: { "x-retry-after": String(retryAfterSeconds(resetMs)) },
      });
    }
    if (api === null || api[1] !== this.settings.storeHash) return answer(v2(404));
    if (req.headers["x-auth-token"] !== this.accessToken) return answer(v2(401));
    if (!acceptsJson(req.headers.accept))
      return answer(v2(406, "The Accept header must allow application/json."));
    if (tooLarge) return answer(v2(413, `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
    if (methodReply !== undefined) return answer(methodReply);
    if (target === undefined) return answer(method === "PATCH" ? v2(501) : v2(404));
    return target;
  }

  /** How `route` renders each order: the request's include plus the data faults for that order. */
  #view(route: SandboxRoute, include: Include, lineCap?: number): (orderId: number) => OrderView {
    return (orderId) => {
      const view: OrderView = {};
      if (include.fees === true) view.fees = true;
      if (include.consignments !== undefined) {
        const faults = this.faults.consignmentFaults(route, orderId);
        view.consignments = {
          ...include.consignments,
          emptyLineItems: faults.emptyLineItems,
          idMismatch: faults.idMismatch,
        };
        if (lineCap !== undefined) view.consignments.lineCap = lineCap;
      }
      return view;
    };
  }

  #route(
    route: SandboxRoute,
    req: IncomingMessage,
    url: URL,
    body: Buffer,
    orderId = 0,
    shipmentId = 0,
  ): Reply {
    const list = <T>(items: T[] | undefined): Reply =>
      items === undefined ? v2(404) : page(items, url.searchParams);
    switch (route) {
      case "orders": {
        const parsed = orderQuery(url.searchParams);
        if (isReply(parsed)) return parsed;
        const view = this.#view(route, parsed.include, LISTED_CONSIGNMENT_LINE_CAP);
        return listReply(this.store.orderPage(parsed.query, view));
      }
      case "order": {
        const include = readInclude(url.searchParams);
        if (isReply(include)) return include;
        const order = this.store.orderView(orderId, this.#view(route, include)(orderId));
        return order === undefined ? v2(404) : { status: 200, body: order };
      }
      case "shipment": {
        const shipment = this.store.shipment(orderId, shipmentId);
        return shipment === undefined ? v2(404) : { status: 200, body: shipment };
      }
      case "shipment_put": {
        if (this.store.shipment(orderId, shipmentId) === undefined) return v2(404);
        const json = parseJson(req, body);
        if (!json.ok) return json.reply;
        const patch = checkShipmentPut(json.value);
        if (!patch.ok) return { status: 400, body: [patch.error] };
        const result = this.store.updateShipment(orderId, shipmentId, patch.value);
        if (result.ok && result.value.changed) this.#writes += 1;
        return fromChecked(result, 200, (value) => value.shipment);
      }
      case "shipment_delete": {
        const result = this.store.deleteShipment(orderId, shipmentId);
        if (result.ok) this.#writes += 1;
        return result.ok ? { status: 204 } : { status: result.error.status, body: [result.error] };
      }
      case "products":
        return list(this.store.products(orderId));
      case "shipping_addresses":
        return list(this.store.shippingAddresses(orderId));
      case "shipments":
        return list(this.store.shipments(orderId));
      case "order_statuses":
        return { status: 200, body: this.store.listStatuses() };
      case "order_put": {
        if (!this.store.hasOrder(orderId)) return v2(404);
        const json = parseJson(req, body);
        if (!json.ok) return json.reply;
        const patch = checkOrderPut(json.value);
        if (!patch.ok) return { status: 400, body: [patch.error] };
        const result = this.store.updateOrder(orderId, patch.value);
        if (result.ok && result.value.changed) this.#writes += 1;
        return fromChecked(result, 200, (value) => value.order);
      }
      case "shipment_post": {
        if (!this.store.hasOrder(orderId)) return v2(404);
        const json = parseJson(req, body);
        if (!json.ok) return json.reply;
        const draft = checkShipmentPost(json.value);
        if (!draft.ok) return { status: 400, body: [draft.error] };
        const result = this.store.createShipment(orderId, draft.value);
        if (result.ok) this.#writes += 1;
        return fromChecked(result, 201, (shipment) => shipment);
      }
      default:
        return v2(404);
    }
  }

  #rateLimitFault(rule: FaultRule): Reply {
    const reply = v2(429);
    if (rule.withHeaders === false) return reply;
    const snapshot = this.quota.snapshot();
    const retryAfter = rule.retryAfterSec ?? retryAfterSeconds(snapshot.resetMs);
    const headers: Record<string, string> = { "x-retry-after": String(retryAfter) };
    if (!this.quota.unlimited) {
      headers["x-rate-limit-requests-left"] = "0";
      headers["x-rate-limit-time-reset-ms"] = String(
        rule.retryAfterSec === undefined ? snapshot.resetMs : rule.retryAfterSec * 1000,
      );
    }
    return { ...reply, headers };
  }

  /** Waits `ms`; false when the sandbox is closing (then nothing more is done or sent). */
  async #sleep(ms: number): Promise<boolean> {
    if (this.signal.aborted) return false;
    if (ms <= 0) return true;
    try {
      await delay(ms, undefined, { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Never answers: waits until close() or until the client gives up. */
  #hang(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal.aborted || res.destroyed) return resolve();
      const done = (): void => {
        this.signal.removeEventListener("abort", done);
        res.off("close", done);
        resolve();
      };
      this.signal.addEventListener("abort", done);
      res.once("close", done);
    });
  }
}

function faultReply(status: number): Reply {
  const page = GATEWAY_PAGES[status];
  if (page !== undefined) return { status, text: { contentType: "text/html", body: page } };
  return v2(status);
}

function orderRange(source: SeedSource): { firstOrderId?: number; lastOrderId?: number } {
  const ids = source.ids();
  const first = ids[0];
  const last = ids.at(-1);
  return first === undefined || last === undefined
    ? {}
    : { firstOrderId: first, lastOrderId: last };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new SandboxError("E_SANDBOX_LISTEN", `The sandbox cannot listen on ${host}:${port}`, {
          cause: error,
        }),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the sandbox store on loopback. Throws SandboxError (E_SANDBOX_OPTIONS, E_SANDBOX_SEED, E_SANDBOX_LISTEN). */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = normalize(options);
  const source = await resolveSource(options.seed);
  const store = new MemoryStore({ source });
  const sandbox = new SandboxServer(settings, store);
  const server = createServer((req, res) => {
    void sandbox.handle(req, res);
  });
  const address = await listen(server, settings.port, settings.host);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  store.linkBase = `${url}/stores/${settings.storeHash}/v2`;
  let closed: Promise<void> | undefined;
  return {
    url,
    env: {
      BIGCOMMERCE_API_URL: url,
      BIGCOMMERCE_STORE_HASH: settings.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: settings.accessToken,
    },
    store,
    info: {
      storeHash: settings.storeHash,
      orderCount: store.orderCount,
      ...orderRange(source),
      samples: sampleOrders(source),
      quota: sandbox.quota.quota,
      windowMs: settings.windowMs,
      latencyMs: settings.latencyMs,
    },
    stats: () => sandbox.stats(),
    setFaults: (faults) => sandbox.faults.set(faults),
    setAccessToken: (token) => {
      sandbox.accessToken = token;
    },
    consumeQuota: (n) => sandbox.quota.consume(n),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        sandbox.abort(); // wakes sleeping and hung handlers; they answer nothing
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
