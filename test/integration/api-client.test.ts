import { inspect } from "node:util";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiEvent, type ApiOptions, createStoreApi } from "../../src/api/bigcommerce.js";
import {
  ApiError,
  CredentialsRejectedError,
  HttpStatusError,
  isUnclearOutcome,
  NetworkError,
  OutageError,
  RequestAbortedError,
  TimeoutError,
} from "../../src/api/errors.js";
import { RetryQuota } from "../../src/api/retry-policy.js";
import { checkApiUrl } from "../../src/api/url.js";
import type { ShipmentPost } from "../../src/types.js";

const ORIGIN = "http://127.0.0.1:8765";
const HASH = "abc123";
const TOKEN = "tok_S3CRET_7f3a9c1e5b";
const PREFIX = `/stores/${HASH}/v2`;
const USER_AGENT = "bc-order-batch/0.1.0 (+https://example.test/bc-order-batch)";

const ORDER = {
  id: 101,
  status_id: 11,
  status: "Awaiting Fulfillment",
  billing_address: { first_name: "Jane", zip: "78751" },
};
const SHIPMENT_POST: ShipmentPost = {
  order_address_id: 7,
  tracking_number: "1Z999",
  shipping_provider: "ups",
  tracking_carrier: "",
  items: [{ order_product_id: 5, quantity: 1 }],
};
const SHIPMENT = { id: 9, order_id: 101, order_address_id: 7, tracking_number: "1Z999" };

function makeApi(options: Partial<ApiOptions> = {}) {
  const events: ApiEvent[] = [];
  const api = createStoreApi(
    { storeHash: HASH, accessToken: TOKEN, apiUrl: new URL(ORIGIN) },
    {
      userAgent: USER_AGENT,
      backoff: { baseMs: 1, maxMs: 5 },
      timeoutMs: 2000,
      onEvent: (event) => events.push(event),
      ...options,
    },
  );
  return { api, events };
}

function store() {
  return nock(ORIGIN);
}

function products(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, order_id: 101 }));
}

/**
 * A connection error as nock should raise it. nock 14 hangs (no error, no response) when
 * replyWithError gets a plain object such as `{ code: "ECONNRESET" }`, so pass an Error with a code.
 */
function connectionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("requests and bodies", () => {
  it("GET sends the token, Accept and User-Agent, and no Content-Type", async () => {
    const scope = nock(ORIGIN, {
      reqheaders: {
        "x-auth-token": TOKEN,
        accept: "application/json",
        "user-agent": USER_AGENT,
      },
      badheaders: ["content-type"],
    })
      .get(`${PREFIX}/orders/101`)
      .reply(200, ORDER);
    const { api, events } = makeApi();
    await expect(api.getOrder(101)).resolves.toEqual(ORDER);
    expect(scope.isDone()).toBe(true);
    expect(api.stats).toEqual({ requests: 1, rateLimited: 0, retries: 0 });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "response",
        method: "GET",
        path: "/orders/101",
        status: 200,
        attempt: 1,
      }),
    );
  });

  it("PUT sends Content-Type and the JSON body and returns the order (200)", async () => {
    const scope = nock(ORIGIN, {
      reqheaders: { "content-type": "application/json", "x-auth-token": TOKEN },
    })
      .put(`${PREFIX}/orders/101`, { status_id: 2 })
      .reply(200, { ...ORDER, status_id: 2 });
    const { api } = makeApi();
    await expect(api.updateOrder(101, { status_id: 2 })).resolves.toMatchObject({ status_id: 2 });
    expect(scope.isDone()).toBe(true);
  });

  it("POST shipment sends Content-Type and returns the created shipment (201)", async () => {
    const scope = nock(ORIGIN, {
      reqheaders: { "content-type": "application/json", "user-agent": USER_AGENT },
    })
      .post(
        `${PREFIX}/orders/101/shipments`,
        (body: ShipmentPost) => JSON.stringify(body) === JSON.stringify(SHIPMENT_POST),
      )
      .reply(201, SHIPMENT);
    const { api } = makeApi();
    await expect(api.createShipment(101, SHIPMENT_POST)).resolves.toEqual(SHIPMENT);
    expect(scope.isDone()).toBe(true);
  });

  it("getOrder returns undefined on 404", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/404`)
      .reply(404, [{ status: 404, message: "The requested resource was not found." }]);
    const { api } = makeApi();
    await expect(api.getOrder(404)).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it("a 204 list is empty", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101/shipments`)
      .query({ limit: 250, page: 1 })
      .reply(204);
    const { api } = makeApi();
    await expect(api.listShipments(101)).resolves.toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it("reads order statuses (one request, no paging)", async () => {
    const statuses = [
      { id: 0, name: "Incomplete" },
      { id: 2, name: "Shipped" },
    ];
    const scope = store().get(`${PREFIX}/order_statuses`).reply(200, statuses);
    const { api } = makeApi();
    await expect(api.listOrderStatuses()).resolves.toEqual(statuses);
    expect(scope.isDone()).toBe(true);
  });

  it("pages through 250 + 250 + a short page", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101/products`)
      .query({ limit: 250, page: 1 })
      .reply(200, products(1, 250))
      .get(`${PREFIX}/orders/101/products`)
      .query({ limit: 250, page: 2 })
      .reply(200, products(251, 250))
      .get(`${PREFIX}/orders/101/products`)
      .query({ limit: 250, page: 3 })
      .reply(200, products(501, 3));
    const { api } = makeApi();
    const list = await api.listProducts(101);
    expect(list).toHaveLength(503);
    expect(list.map((p) => p.id)).toEqual(products(1, 503).map((p) => p.id));
    expect(api.stats.requests).toBe(3);
    expect(scope.isDone()).toBe(true);
  });

  it("stops at a 204 (or empty body) past the last full page", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101/shipping_addresses`)
      .query({ limit: 250, page: 1 })
      .reply(200, products(1, 250))
      .get(`${PREFIX}/orders/101/shipping_addresses`)
      .query({ limit: 250, page: 2 })
      .reply(204)
      .get(`${PREFIX}/orders/101/shipments`)
      .query({ limit: 250, page: 1 })
      .reply(200, products(1, 250))
      .get(`${PREFIX}/orders/101/shipments`)
      .query({ limit: 250, page: 2 })
      .reply(200, "");
    const { api } = makeApi();
    await expect(api.listShippingAddresses(101)).resolves.toHaveLength(250);
    await expect(api.listShipments(101)).resolves.toHaveLength(250);
    expect(scope.isDone()).toBe(true);
  });

  it("a 2xx body that is not the documented JSON is E_UNEXPECTED_RESPONSE", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .reply(200, "<html><body>Welcome</body></html>")
      .get(`${PREFIX}/order_statuses`)
      .reply(200, { not: "a list" });
    const { api } = makeApi();
    await expect(api.getOrder(101)).rejects.toMatchObject({
      code: "E_UNEXPECTED_RESPONSE",
      status: 200,
    });
    await expect(api.listOrderStatuses()).rejects.toMatchObject({ code: "E_UNEXPECTED_RESPONSE" });
    expect(scope.isDone()).toBe(true);
  });

  it("never follows a redirect (it would carry the token elsewhere)", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .reply(302, "", { location: "http://127.0.0.2:8765/elsewhere" });
    const { api } = makeApi();
    const error = await failure(api.getOrder(101));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 302 });
    expect(api.stats.requests).toBe(1);
    expect(scope.isDone()).toBe(true);
  });
});

describe("error bodies", () => {
  it("400 V2 array → HttpStatusError with apiMessage and details, not retried", async () => {
    const details = { invalid_reason: "too many", available_quantity: 0, order_product_id: 14 };
    const scope = store()
      .post(`${PREFIX}/orders/101/shipments`)
      .reply(400, [{ status: 400, message: "The field 'quantity' is invalid.", details }]);
    const { api } = makeApi();
    const error = await failure(api.createShipment(101, SHIPMENT_POST));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({
      code: "E_HTTP_STATUS",
      status: 400,
      method: "POST",
      path: "/orders/101/shipments",
      apiMessage: "The field 'quantity' is invalid.",
      details,
    });
    expect(isUnclearOutcome(error)).toBe(false);
    expect(api.stats).toMatchObject({ requests: 1, retries: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it("404 on PUT → HttpStatusError; several V2 messages are joined", async () => {
    const scope = store()
      .put(`${PREFIX}/orders/5`)
      .reply(404, [{ status: 404, message: "The requested resource was not found." }])
      .put(`${PREFIX}/orders/6`)
      .reply(422, [
        { status: 422, message: "first" },
        { status: 422, message: "second" },
      ]);
    const { api } = makeApi();
    await expect(api.updateOrder(5, { status_id: 2 })).rejects.toMatchObject({
      status: 404,
      apiMessage: "The requested resource was not found.",
    });
    await expect(api.updateOrder(6, { status_id: 2 })).rejects.toMatchObject({
      status: 422,
      apiMessage: "first; second",
    });
    expect(api.stats).toMatchObject({ requests: 2, retries: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it("reads V3-style {title, errors} and keeps only a short excerpt of gateway pages", async () => {
    const errors = { "billing_address.zip": "must be at least 2 characters" };
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(5000)}</body></html>`;
    const scope = store()
      .put(`${PREFIX}/orders/7`)
      .reply(422, { status: 422, title: "Input is invalid", errors })
      .get(`${PREFIX}/orders/8`)
      .reply(502, page, { "content-type": "text/html" })
      .get(`${PREFIX}/orders/9`)
      .reply(500, "");
    const { api } = makeApi({ maxAttempts: 1 });
    await expect(api.updateOrder(7, { status_id: 2 })).rejects.toMatchObject({
      status: 422,
      apiMessage: "Input is invalid",
      details: errors,
    });
    const gateway = await failure(api.getOrder(8));
    expect(gateway).toMatchObject({ status: 502, apiMessage: "502 Bad Gateway" });
    expect((gateway as Error).message.length).toBeLessThan(300);
    await expect(api.getOrder(9)).rejects.toMatchObject({ status: 500, apiMessage: undefined });
    expect(scope.isDone()).toBe(true);
  });
});

describe("retries", () => {
  it("retries 503 then 200 on GET and on PUT", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .reply(503, "")
      .get(`${PREFIX}/orders/101`)
      .reply(200, ORDER)
      .put(`${PREFIX}/orders/101`)
      .reply(503, "")
      .put(`${PREFIX}/orders/101`)
      .reply(200, ORDER);
    const { api, events } = makeApi();
    await expect(api.getOrder(101)).resolves.toEqual(ORDER);
    await expect(api.updateOrder(101, { staff_notes: "x" })).resolves.toEqual(ORDER);
    expect(api.stats).toEqual({ requests: 4, rateLimited: 0, retries: 2 });
    expect(events.filter((event) => event.type === "retry")).toEqual([
      expect.objectContaining({ method: "GET", attempt: 2, reason: "HTTP 503" }),
      expect.objectContaining({ method: "PUT", attempt: 2, reason: "HTTP 503" }),
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("does not retry 400 or 422", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/1`)
      .reply(400, [{ status: 400, message: "bad" }])
      .put(`${PREFIX}/orders/1`)
      .reply(422, [{ status: 422, message: "invalid" }]);
    const { api } = makeApi();
    await expect(api.getOrder(1)).rejects.toMatchObject({ status: 400 });
    await expect(api.updateOrder(1, { status_id: 1 })).rejects.toMatchObject({ status: 422 });
    expect(api.stats).toMatchObject({ requests: 2, retries: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it("POST is not retried on 502: thrown with an unclear outcome", async () => {
    const scope = store().post(`${PREFIX}/orders/101/shipments`).reply(502, "");
    const { api } = makeApi();
    const error = await failure(api.createShipment(101, SHIPMENT_POST));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 502 });
    expect(isUnclearOutcome(error)).toBe(true);
    expect(api.stats).toMatchObject({ requests: 1, retries: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it("POST is retried on 429, with and without rate-limit headers", async () => {
    const scope = store()
      .post(`${PREFIX}/orders/101/shipments`)
      .reply(429, "", {
        "x-rate-limit-time-reset-ms": "20",
        "x-retry-after": "0",
        "x-rate-limit-requests-left": "0",
        "x-rate-limit-requests-quota": "150",
      })
      .post(`${PREFIX}/orders/101/shipments`)
      .reply(429, "")
      .post(`${PREFIX}/orders/101/shipments`)
      .reply(201, SHIPMENT);
    const { api, events } = makeApi();
    await expect(api.createShipment(101, SHIPMENT_POST)).resolves.toEqual(SHIPMENT);
    expect(api.stats).toEqual({ requests: 3, rateLimited: 2, retries: 2 });
    expect(events.filter((event) => event.type === "rate_limited")).toEqual([
      { type: "rate_limited", waitMs: 20, withHeaders: true },
      expect.objectContaining({ type: "rate_limited", withHeaders: false }),
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("401 and 403 → CredentialsRejectedError without retry", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/1`)
      .reply(401, "")
      .put(`${PREFIX}/orders/1`)
      .reply(403, [
        { status: 403, message: "You don't have a required scope to access the endpoint" },
      ]);
    const { api } = makeApi();
    const rejected = await failure(api.getOrder(1));
    expect(rejected).toBeInstanceOf(CredentialsRejectedError);
    expect(rejected).toMatchObject({ code: "E_CREDENTIALS_REJECTED", status: 401, exitCode: 2 });
    await expect(api.updateOrder(1, { status_id: 1 })).rejects.toMatchObject({
      code: "E_CREDENTIALS_REJECTED",
      status: 403,
    });
    expect(api.stats).toMatchObject({ requests: 2, retries: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it("a slow answer is a TimeoutError (GET retried, POST not)", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .delay(1000)
      .reply(200, ORDER)
      .get(`${PREFIX}/orders/101`)
      .reply(200, ORDER)
      .post(`${PREFIX}/orders/101/shipments`)
      .delay(1000)
      .reply(201, SHIPMENT);
    const { api } = makeApi({ timeoutMs: 50 });
    await expect(api.getOrder(101)).resolves.toEqual(ORDER);
    const error = await failure(api.createShipment(101, SHIPMENT_POST));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "E_TIMEOUT", timeoutMs: 50, method: "POST" });
    expect(isUnclearOutcome(error)).toBe(true);
    expect(api.stats).toMatchObject({ requests: 3, retries: 1 });
    expect(scope.isDone()).toBe(true);
  });

  it("ECONNRESET: GET retried; POST thrown as NetworkError with an unclear outcome", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .replyWithError(connectionError("ECONNRESET", "socket hang up"))
      .get(`${PREFIX}/orders/101`)
      .reply(200, ORDER)
      .post(`${PREFIX}/orders/101/shipments`)
      .replyWithError(connectionError("ECONNRESET", "socket hang up"));
    const { api } = makeApi();
    await expect(api.getOrder(101)).resolves.toEqual(ORDER);
    const error = await failure(api.createShipment(101, SHIPMENT_POST));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: "E_NETWORK", errno: "ECONNRESET", notSent: false });
    expect(isUnclearOutcome(error)).toBe(true);
    expect(api.stats).toMatchObject({ requests: 3, retries: 1 });
    expect(scope.isDone()).toBe(true);
  });

  it("ECONNREFUSED: POST is retried (never sent)", async () => {
    const scope = store()
      .post(`${PREFIX}/orders/101/shipments`)
      .replyWithError(connectionError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:8765"))
      .post(`${PREFIX}/orders/101/shipments`)
      .reply(201, SHIPMENT);
    const { api } = makeApi();
    await expect(api.createShipment(101, SHIPMENT_POST)).resolves.toEqual(SHIPMENT);
    expect(api.stats).toMatchObject({ requests: 2, retries: 1 });
    expect(scope.isDone()).toBe(true);
  });

  it("maxAttempts exhausted with tokens left → the last error; empty RetryQuota → OutageError", async () => {
    const scope = store().get(`${PREFIX}/orders/101`).times(3).reply(503, "");
    const retryQuota = new RetryQuota({ capacity: 3 });
    const { api } = makeApi({ maxAttempts: 3, retryQuota });
    await expect(api.getOrder(101)).rejects.toMatchObject({ code: "E_HTTP_STATUS", status: 503 });
    expect(retryQuota.available).toBe(1);
    expect(api.stats).toMatchObject({ requests: 3, retries: 2 });
    expect(scope.isDone()).toBe(true);

    // One token left: one retry, then the next needed retry finds the quota empty.
    const outage = store().get(`${PREFIX}/orders/102`).times(2).reply(503, "");
    const error = await failure(api.getOrder(102));
    expect(error).toBeInstanceOf(OutageError);
    expect(error).toMatchObject({ code: "E_OUTAGE", exitCode: 3 });
    expect((error as OutageError).cause).toMatchObject({ status: 503 });
    expect(isUnclearOutcome(error)).toBe(true);
    expect(outage.isDone()).toBe(true);
  });

  it("429s with rate-limit headers take no retry token", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .times(3)
      .reply(429, "", { "x-rate-limit-time-reset-ms": "1" })
      .get(`${PREFIX}/orders/101`)
      .reply(200, ORDER);
    const retryQuota = new RetryQuota({ capacity: 0 });
    const { api } = makeApi({ retryQuota, maxAttempts: 2 });
    await expect(api.getOrder(101)).resolves.toEqual(ORDER);
    expect(api.stats).toEqual({ requests: 4, rateLimited: 3, retries: 3 });
    expect(scope.isDone()).toBe(true);
  });

  it("an aborted signal cancels a pending request and a backoff at once", async () => {
    const scope = store()
      .get(`${PREFIX}/orders/101`)
      .delay(5000)
      .reply(200, ORDER)
      .get(`${PREFIX}/orders/102`)
      .reply(503, "");
    const { api } = makeApi({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const controller = new AbortController();
    const pending = api.getOrder(101, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const error = await failure(pending);
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(error).toMatchObject({ code: "E_ABORTED" });

    const second = new AbortController();
    const started = Date.now();
    const waiting = api.getOrder(102, second.signal);
    setTimeout(() => second.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(RequestAbortedError);
    // The 60 s backoff was cut short (generous bound for a busy machine).
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(api.getOrder(103, second.signal)).rejects.toBeInstanceOf(RequestAbortedError);
    expect(scope.isDone()).toBe(true);
  });
});

describe("rate limiting", () => {
  it("pauses every worker before the quota runs out, then resumes in the next window", async () => {
    const headers = (left: number) => ({
      "x-rate-limit-requests-quota": "10",
      "x-rate-limit-requests-left": String(left),
      "x-rate-limit-time-reset-ms": "60",
      "x-rate-limit-time-window-ms": "60",
    });
    const scope = store()
      .get(`${PREFIX}/orders/1`)
      .reply(200, { ...ORDER, id: 1 }, headers(1))
      .get(`${PREFIX}/orders/2`)
      .reply(200, { ...ORDER, id: 2 }, headers(9));
    const { api, events } = makeApi();
    await api.getOrder(1);
    // left 1 − in flight 0 − reserve 1 (10 % of 10): nothing may be sent until the window resets.
    await api.getOrder(2);
    expect(events.filter((event) => event.type === "throttle")).toEqual([
      expect.objectContaining({ type: "throttle", left: 1 }),
    ]);
    expect(api.stats.rateLimited).toBe(0);
    expect(api.gate.snapshot()).toMatchObject({ quota: 10, left: 9, reserve: 1, inFlight: 0 });
    expect(scope.isDone()).toBe(true);
  });
});

describe("secrets", () => {
  it("no error, cause or event carries the access token", async () => {
    const echo = `<html><title>Bad request</title><pre>X-Auth-Token: ${TOKEN}</pre></html>`;
    store()
      .get(`${PREFIX}/orders/1`)
      .reply(400, [{ status: 400, message: `token ${TOKEN} is odd`, details: { token: TOKEN } }])
      .get(`${PREFIX}/orders/2`)
      .reply(401, [{ status: 401, message: `bad token ${TOKEN}` }])
      .get(`${PREFIX}/orders/3`)
      .reply(400, echo)
      .get(`${PREFIX}/orders/4`)
      .replyWithError(connectionError("ECONNRESET", `reset ${TOKEN}`))
      .get(`${PREFIX}/orders/5`)
      .delay(1000)
      .reply(200, ORDER)
      .get(`${PREFIX}/orders/6`)
      .reply(200, "not json")
      .get(`${PREFIX}/orders/7`)
      .times(2)
      .reply(503, "")
      .post(`${PREFIX}/orders/8/shipments`)
      .replyWithError(connectionError("EPROTO", "weird"));
    const { api, events } = makeApi({
      maxAttempts: 1,
      timeoutMs: 50,
      retryQuota: new RetryQuota({ capacity: 0 }),
    });
    const controller = new AbortController();
    controller.abort();
    const errors = [
      await failure(api.getOrder(1)),
      await failure(api.getOrder(2)),
      await failure(api.getOrder(3)),
      await failure(api.getOrder(4)),
      await failure(api.getOrder(5)),
      await failure(api.getOrder(6)),
      await failure(api.getOrder(9, controller.signal)),
      await failure(api.createShipment(8, SHIPMENT_POST)),
      // No interceptor: nock's error message lists the request headers, token included.
      await failure(api.listOrderStatuses()),
    ];
    const outage = makeApi({ retryQuota: new RetryQuota({ capacity: 0 }) });
    errors.push(await failure(outage.api.getOrder(7)));
    expect(errors.map((error) => (error as ApiError).code)).toEqual([
      "E_HTTP_STATUS",
      "E_CREDENTIALS_REJECTED",
      "E_HTTP_STATUS",
      "E_NETWORK",
      "E_TIMEOUT",
      "E_UNEXPECTED_RESPONSE",
      "E_ABORTED",
      "E_NETWORK",
      "E_NETWORK",
      "E_OUTAGE",
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ApiError);
      const views = [
        inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
        JSON.stringify(error),
        String(error),
        String((error as Error).stack),
        inspect((error as Error).cause, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      ];
      for (const view of views) expect(view).not.toContain(TOKEN);
    }
    expect(JSON.stringify([...events, ...outage.events])).not.toContain(TOKEN);
    // The texts that did carry the token were redacted, not dropped.
    expect(errors[0]).toMatchObject({
      apiMessage: "token [REDACTED] is odd",
      details: { token: "[REDACTED]" },
    });
    expect(errors[2]).toMatchObject({ apiMessage: "Bad request" });
    expect(((errors[3] as Error).cause as Error).message).toBe("reset [REDACTED]");
    expect(((errors[8] as Error).cause as Error).message).toContain("[REDACTED]");
  });
});

describe("checkApiUrl", () => {
  it.each([
    "https://api.bigcommerce.com",
    "https://api.bigcommerce.com/",
    "http://127.0.0.1:8765",
    "http://127.10.0.1",
    "http://localhost:3000/base",
    "http://[::1]:8080",
  ])("accepts %s", (url) => {
    expect(checkApiUrl(url)).toBeInstanceOf(URL);
  });

  it.each([
    "http://api.bigcommerce.com",
    "http://128.0.0.1",
    "http://127.0.0.1.evil.test",
    "ftp://127.0.0.1",
    "not a url",
    "https://user:pw@api.bigcommerce.com",
    "https://api.bigcommerce.com/?x=1",
  ])("refuses %s with E_USAGE naming the setting", (url) => {
    let error: unknown;
    try {
      checkApiUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "E_USAGE" });
    expect((error as Error).message).toContain("BIGCOMMERCE_API_URL");
    expect((error as Error).message).not.toContain("pw");
  });

  it("createStoreApi refuses a plain-http remote URL before any request", () => {
    expect(() =>
      createStoreApi(
        { storeHash: HASH, accessToken: TOKEN, apiUrl: new URL("http://api.bigcommerce.com") },
        { userAgent: USER_AGENT },
      ),
    ).toThrow(expect.objectContaining({ code: "E_USAGE" }));
  });
});
