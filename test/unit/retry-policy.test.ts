import { describe, expect, it } from "vitest";
import {
  CredentialsRejectedError,
  HttpStatusError,
  NetworkError,
  OutageError,
  RequestAbortedError,
  type RequestContext,
  TimeoutError,
} from "../../src/api/errors.js";
import {
  backoffDelay,
  classifyFailure,
  decideRetry,
  type HttpMethod,
  MAX_THROTTLED_RETRIES,
  type RetryInput,
  RetryQuota,
} from "../../src/api/retry-policy.js";
import { type AttemptResult, withRetry } from "../../src/api/with-retry.js";

const GET: RequestContext = { method: "GET", path: "/orders/1" };
const BACKOFF = { baseMs: 100, maxMs: 1000 };

function input(
  error: unknown,
  method: HttpMethod,
  overrides: Partial<RetryInput> = {},
): RetryInput {
  return {
    error,
    method,
    attempt: 1,
    maxAttempts: 5,
    backoff: BACKOFF,
    random: () => 0.5,
    ...overrides,
  };
}

const status = (code: number, method: HttpMethod = "GET") =>
  new HttpStatusError({ method, path: "/x" }, code, undefined);
const network = (errno: string, method: HttpMethod = "GET") =>
  new NetworkError({ method, path: "/x" }, errno);

describe("decideRetry: status × method", () => {
  const table: [number, HttpMethod, boolean][] = [
    [500, "GET", true],
    [502, "GET", true],
    [503, "PUT", true],
    [504, "PUT", true],
    [500, "POST", false],
    [502, "POST", false],
    [503, "POST", false],
    [504, "POST", false],
    [429, "GET", true],
    [429, "PUT", true],
    [429, "POST", true],
    [400, "GET", false],
    [404, "PUT", false],
    [409, "PUT", false],
    [413, "GET", false],
    [422, "PUT", false],
    [422, "POST", false],
    [501, "GET", false],
    [505, "PUT", false],
    [507, "GET", false],
  ];
  it.each(table)("HTTP %i on %s → retry %s", (code, method, retry) => {
    expect(decideRetry(input(status(code, method), method)).retry).toBe(retry);
  });
});

describe("decideRetry: connection failures × method", () => {
  const table: [string, HttpMethod, boolean][] = [
    ["ECONNRESET", "GET", true],
    ["ECONNRESET", "PUT", true],
    ["ECONNRESET", "POST", false],
    ["ETIMEDOUT", "GET", true],
    ["EPIPE", "PUT", true],
    ["EPIPE", "POST", false],
    ["ECONNREFUSED", "GET", true],
    ["ECONNREFUSED", "POST", true],
    ["ENOTFOUND", "POST", true],
    ["EAI_AGAIN", "POST", true],
    ["EPROTO", "GET", false],
    ["CERT_HAS_EXPIRED", "GET", false],
  ];
  it.each(table)("%s on %s → retry %s", (errno, method, retry) => {
    expect(decideRetry(input(network(errno, method), method)).retry).toBe(retry);
  });

  it("timeouts are retried for GET and PUT, never for POST", () => {
    const timeout = (method: HttpMethod) => new TimeoutError({ method, path: "/x" }, 50);
    expect(decideRetry(input(timeout("GET"), "GET")).retry).toBe(true);
    expect(decideRetry(input(timeout("PUT"), "PUT")).retry).toBe(true);
    expect(decideRetry(input(timeout("POST"), "POST")).retry).toBe(false);
  });

  it("never retries credentials, aborts, outages or unknown errors", () => {
    for (const error of [
      new CredentialsRejectedError(GET, 401),
      new RequestAbortedError(GET),
      new OutageError(GET),
      new Error("bug"),
    ]) {
      expect(decideRetry(input(error, "GET"))).toMatchObject({ retry: false });
    }
  });
});

describe("decideRetry: attempts, quota and waits", () => {
  it("stops once maxAttempts is reached", () => {
    expect(decideRetry(input(status(503), "GET", { attempt: 4 })).retry).toBe(true);
    expect(decideRetry(input(status(503), "GET", { attempt: 5 })).retry).toBe(false);
    expect(decideRetry(input(status(503), "GET", { attempt: 1, maxAttempts: 1 })).retry).toBe(
      false,
    );
  });

  it("backs off transient failures and takes a retry token", () => {
    expect(decideRetry(input(status(503), "GET", { attempt: 3 }))).toEqual({
      retry: true,
      kind: "server_error",
      delayMs: 200, // 0.5 × min(1000, 100·2²)
      takesQuota: true,
    });
  });

  it("a 429 with rate-limit headers waits on the gate, takes no token and does not count as an attempt", () => {
    expect(decideRetry(input(status(429), "POST", { attempt: 5, rateLimitHeaders: true }))).toEqual(
      { retry: true, kind: "throttled", delayMs: 0, takesQuota: false },
    );
    expect(
      decideRetry(
        input(status(429), "GET", {
          rateLimitHeaders: true,
          throttledRetries: MAX_THROTTLED_RETRIES,
        }),
      ).retry,
    ).toBe(false);
  });

  it("a 429 without headers waits on the gate but takes a token and counts", () => {
    expect(decideRetry(input(status(429), "POST", { attempt: 2 }))).toEqual({
      retry: true,
      kind: "overloaded",
      delayMs: 0,
      takesQuota: true,
    });
    expect(decideRetry(input(status(429), "POST", { attempt: 5 })).retry).toBe(false);
  });

  it("classifies a 429 by its headers", () => {
    expect(classifyFailure(status(429), true)).toBe("throttled");
    expect(classifyFailure(status(429), false)).toBe("overloaded");
    expect(classifyFailure(network("ECONNREFUSED"))).toBe("not_sent");
  });
});

describe("backoffDelay (full jitter)", () => {
  it("draws from [0, min(max, base·2^(n−1)))", () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, BACKOFF, () => 0.999_999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(4, BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(2, { baseMs: 0, maxMs: 0 }, () => 0.5)).toBe(0);
  });
});

describe("RetryQuota", () => {
  it("takes one token per retry until empty", () => {
    const quota = new RetryQuota({ capacity: 2 });
    expect([quota.tryTake(), quota.tryTake(), quota.tryTake()]).toEqual([true, true, false]);
    expect(quota.available).toBe(0);
  });

  it("refunds 0.2 per success, up to the capacity", () => {
    const quota = new RetryQuota({ capacity: 3 });
    quota.tryTake();
    quota.tryTake();
    quota.tryTake();
    for (let i = 0; i < 4; i += 1) quota.recordSuccess();
    expect(quota.tryTake()).toBe(false);
    quota.recordSuccess();
    expect(quota.available).toBe(1);
    expect(quota.tryTake()).toBe(true);
    for (let i = 0; i < 100; i += 1) quota.recordSuccess();
    expect(quota.available).toBe(3);
  });

  it("defaults to 20 tokens and refuses nonsense", () => {
    expect(new RetryQuota().available).toBe(20);
    expect(() => new RetryQuota({ capacity: -1 })).toThrow(TypeError);
    expect(() => new RetryQuota({ refund: Number.NaN })).toThrow(TypeError);
  });
});

describe("withRetry", () => {
  /** An attempt function that plays scripted results and counts calls. */
  function script<T>(...results: (AttemptResult<T> | Error)[]) {
    const calls: number[] = [];
    const attempt = async (n: number): Promise<AttemptResult<T>> => {
      calls.push(n);
      const next = results.shift();
      if (next === undefined) throw new Error("script exhausted");
      if (next instanceof Error) throw next;
      return next;
    };
    return { attempt, calls };
  }
  const fail = (error: HttpStatusError | NetworkError, rateLimitHeaders = false) =>
    ({ ok: false, error, rateLimitHeaders }) as const;
  const options = (quota = new RetryQuota()) => ({
    request: GET,
    maxAttempts: 3,
    backoff: { baseMs: 1, maxMs: 2 },
    quota,
  });

  it("retries transient failures (thrown or returned) and refunds the quota on success", async () => {
    const quota = new RetryQuota({ capacity: 5 });
    const { attempt, calls } = script<string>(network("ECONNRESET"), fail(status(503)), {
      ok: true,
      value: "done",
    });
    await expect(withRetry(attempt, options(quota))).resolves.toBe("done");
    expect(calls).toEqual([1, 2, 3]);
    expect(quota.available).toBeCloseTo(3.2);
  });

  it("throws the last error after maxAttempts; OutageError when the quota is empty", async () => {
    const first = script<string>(fail(status(503)), fail(status(502)), fail(status(504)));
    await expect(withRetry(first.attempt, options())).rejects.toMatchObject({ status: 504 });
    expect(first.calls).toHaveLength(3);

    const empty = script<string>(fail(status(503)));
    const error = await withRetry(empty.attempt, options(new RetryQuota({ capacity: 0 }))).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OutageError);
    expect(error).toMatchObject({ code: "E_OUTAGE", method: "GET", path: "/orders/1" });
  });

  it("a permanent failure is thrown at once; a 4xx answer refunds the quota", async () => {
    const quota = new RetryQuota({ capacity: 2 });
    quota.tryTake();
    const { attempt, calls } = script<string>(fail(status(422)));
    await expect(withRetry(attempt, options(quota))).rejects.toMatchObject({ status: 422 });
    expect(calls).toEqual([1]);
    expect(quota.available).toBeCloseTo(1.2);
  });

  it("an abort during the backoff ends at once with RequestAbortedError", async () => {
    const controller = new AbortController();
    const { attempt } = script<string>(fail(status(503)), { ok: true, value: "late" });
    const pending = withRetry(attempt, {
      ...options(),
      backoff: { baseMs: 3_600_000, maxMs: 3_600_000 },
      random: () => 0.99,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
  });

  it("programming errors pass through untouched", async () => {
    const bug = new TypeError("undefined is not a function");
    const { attempt } = script<string>(bug);
    await expect(withRetry(attempt, options())).rejects.toBe(bug);
  });
});
