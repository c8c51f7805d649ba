import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  defaultReserve,
  type HeaderMap,
  hasServerWait,
  MAX_SERVER_WAIT_MS,
  overloadWaitMs,
  parseRateLimitHeaders,
  type RateLimitEvent,
  RateLimitGate,
  type RateLimitGateOptions,
  sendableRequests,
  serverWaitMs,
} from "../../src/api/rate-limit.js";

const BACKOFF = { baseMs: 100, maxMs: 1000 };

function window(left: number, resetMs: number, quota = 10, windowMs = 1000): HeaderMap {
  return {
    "x-rate-limit-requests-quota": String(quota),
    "x-rate-limit-requests-left": String(left),
    "x-rate-limit-time-reset-ms": String(resetMs),
    "x-rate-limit-time-window-ms": String(windowMs),
  };
}

describe("parseRateLimitHeaders", () => {
  it("reads every header; X-Retry-After is seconds", () => {
    expect(
      parseRateLimitHeaders({
        "x-rate-limit-requests-quota": "150",
        "x-rate-limit-requests-left": "35",
        "x-rate-limit-time-reset-ms": "15000",
        "x-rate-limit-time-window-ms": "30000",
        "x-retry-after": "15",
      }),
    ).toEqual({ quota: 150, left: 35, resetMs: 15000, windowMs: 30000, retryAfterMs: 15000 });
  });

  it("is case-insensitive on names and takes the first of repeated headers", () => {
    expect(
      parseRateLimitHeaders({
        "X-Rate-Limit-Requests-Left": ["7", "9"],
        "X-Retry-After": " 2 ",
      }),
    ).toEqual({ left: 7, retryAfterMs: 2000 });
  });

  it.each([
    ["", {}],
    ["abc", {}],
    ["-1", {}],
    ["1e3", {}],
    ["12ms", {}],
    ["0x10", {}],
  ])("ignores the malformed value %j", (value, expected) => {
    expect(
      parseRateLimitHeaders({
        "x-rate-limit-requests-left": value,
        "x-rate-limit-time-reset-ms": value,
        "x-retry-after": value,
      }),
    ).toEqual(expected);
  });

  it("returns nothing without rate-limit headers", () => {
    expect(parseRateLimitHeaders({ "content-type": "application/json" })).toEqual({});
    expect(hasServerWait(parseRateLimitHeaders({ "x-rate-limit-requests-left": "0" }))).toBe(false);
  });
});

describe("serverWaitMs (precedence)", () => {
  it.each([
    [{ retryAfterMs: 15_000, resetMs: 12_000 }, 15_000],
    [{ retryAfterMs: 2_000, resetMs: 12_000 }, 12_000],
    [{ resetMs: 800 }, 800],
    [{ retryAfterMs: 3_000 }, 3_000],
    [{ retryAfterMs: 0, resetMs: 0 }, 0],
  ])("takes the longer of X-Retry-After and Reset-Ms: %j → %i", (info, expected) => {
    expect(serverWaitMs(info)).toBe(expected);
  });

  it("is capped, without jitter", () => {
    expect(serverWaitMs({ retryAfterMs: 86_400_000 })).toBe(MAX_SERVER_WAIT_MS);
    expect(serverWaitMs({ resetMs: 5_000 }, 1_000)).toBe(1_000);
  });

  it("is undefined when the server gave no wait", () => {
    expect(serverWaitMs({ left: 0, quota: 150 })).toBeUndefined();
  });
});

describe("overloadWaitMs, defaultReserve, sendableRequests", () => {
  it("grows exponentially, keeps at least half the step, and is capped", () => {
    expect([1, 2, 3, 4, 5].map((n) => overloadWaitMs(n, BACKOFF, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => overloadWaitMs(n, BACKOFF, () => 0.999_999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
  });

  it("reserves 10 % of the quota, rounded up", () => {
    expect([1, 10, 150, 151, 450].map(defaultReserve)).toEqual([1, 1, 15, 16, 45]);
  });

  it("counts requests in flight and the reserve against what is left", () => {
    expect(sendableRequests(35, 4, 15)).toBe(16);
    expect(sendableRequests(5, 4, 1)).toBe(0);
  });
});

describe("RateLimitGate", () => {
  let events: RateLimitEvent[];

  function gate(options: Partial<RateLimitGateOptions> = {}): RateLimitGate {
    return new RateLimitGate({
      backoff: BACKOFF,
      resumeMarginMs: 10,
      random: () => 0,
      onEvent: (event) => events.push(event),
      ...options,
    });
  }

  /** Watches a promise without awaiting it. */
  function watch(promise: Promise<unknown>) {
    const state: { settled: boolean; error: unknown } = { settled: false, error: undefined };
    promise.then(
      () => {
        state.settled = true;
      },
      (error: unknown) => {
        state.settled = true;
        state.error = error;
      },
    );
    return state;
  }

  beforeEach(() => {
    events = [];
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets requests through freely while nothing is known", async () => {
    const g = gate();
    for (let i = 0; i < 5; i += 1) await g.acquire();
    expect(g.inFlight).toBe(5);
    expect(events).toEqual([]);
  });

  it("pauses every worker before the quota runs out and resumes after the window resets", async () => {
    const g = gate();
    await g.acquire();
    g.update(window(4, 1000), 200); // quota 10 → reserve 1; left 4
    await g.acquire();
    await g.acquire();
    await g.acquire(); // 4 − 3 in flight − 1 reserve = 0 left to send
    const blocked = [watch(g.acquire()), watch(g.acquire())];
    await vi.advanceTimersByTimeAsync(0);
    expect(blocked.map((w) => w.settled)).toEqual([false, false]);
    expect(events).toEqual([{ type: "throttle", waitMs: 1010, left: 4 }]);

    // Answers in the same window keep the workers paused.
    g.update(window(3, 900), 200);
    g.update(window(2, 850), 200);
    await vi.advanceTimersByTimeAsync(800);
    expect(blocked.map((w) => w.settled)).toEqual([false, false]);

    await vi.advanceTimersByTimeAsync(300);
    expect(blocked.map((w) => w.settled)).toEqual([true, true]);
    expect(events.filter((event) => event.type === "throttle")).toHaveLength(1);
  });

  it("honours a configured reserve", async () => {
    const g = gate({ reserve: 5 });
    await g.acquire();
    g.update(window(6, 1000), 200);
    await g.acquire(); // 6 − 0 − 5 = 1
    const third = watch(g.acquire());
    await vi.advanceTimersByTimeAsync(0);
    expect(third.settled).toBe(false);
    expect(g.snapshot()).toMatchObject({ quota: 10, left: 6, reserve: 5, inFlight: 1 });
  });

  it("never reserves the whole quota", async () => {
    const g = gate({ reserve: 100 });
    await g.acquire();
    g.update(window(10, 1000), 200);
    expect(g.reserve).toBe(9);
    await g.acquire();
    expect(g.inFlight).toBe(1);
  });

  it("keeps the freshest view: lowest left within a window, ignores late answers of an old window", async () => {
    // A 4 s window: a reset is never longer than the window (longer ones are clamped to it).
    const g = gate({ reserve: 0 });
    g.update(window(5, 1000, 10, 4000), 200);
    g.update(window(7, 990, 10, 4000), 200); // overtaken answer of the same window
    expect(g.snapshot()).toMatchObject({ left: 5, windowEndsInMs: 990 });
    g.update(window(9, 3500, 10, 4000), 200); // the server started a new window
    expect(g.snapshot()).toMatchObject({ left: 9, windowEndsInMs: 3500 });
    g.update(window(1, 10, 10, 4000), 200); // late answer from the previous window
    expect(g.snapshot()).toMatchObject({ left: 9, windowEndsInMs: 3500 });
  });

  it("assumes a refilled quota once the window is over", async () => {
    const g = gate({ reserve: 0 });
    await g.acquire();
    g.update(window(0, 500), 200);
    const next = watch(g.acquire());
    await vi.advanceTimersByTimeAsync(505);
    expect(next.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(next.settled).toBe(true);
    expect(g.snapshot()).toMatchObject({ left: 10, windowEndsInMs: undefined, inFlight: 1 });
  });

  it("blocks everyone after a 429 for the longer of X-Retry-After and Reset-Ms", async () => {
    const g = gate();
    await g.acquire();
    g.update({ "x-retry-after": "2", "x-rate-limit-time-reset-ms": "500" }, 429);
    expect(events).toEqual([{ type: "rate_limited", waitMs: 2000, withHeaders: true }]);
    const waiting = [watch(g.acquire()), watch(g.acquire())];
    // A late answer of a request sent before the 429 does not reopen the gate.
    g.update(window(3, 480), 200);
    await vi.advanceTimersByTimeAsync(1990);
    expect(waiting.map((w) => w.settled)).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(20);
    expect(waiting.map((w) => w.settled)).toEqual([true, true]);
  });

  it("a 429 without headers blocks for a growing backoff; any other answer resets it", async () => {
    const g = gate();
    const waits: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      g.update({}, 429);
      const last = events.at(-1);
      if (last?.type === "rate_limited") waits.push(last.waitMs);
    }
    expect(waits).toEqual([50, 100, 200]);
    expect(events.every((e) => e.type === "rate_limited" && !e.withHeaders)).toBe(true);
    g.update({}, 200);
    g.update({}, 429);
    expect(events.at(-1)).toEqual({ type: "rate_limited", waitMs: 50, withHeaders: false });
    expect(g.snapshot().blockedForMs).toBe(200);
  });

  it("caps a server-given wait", async () => {
    const g = gate({ maxWaitMs: 60_000 });
    g.update({ "x-retry-after": "86400" }, 429);
    expect(events).toEqual([
      { type: "rate_limited", waitMs: 60_000, withHeaders: true, cappedFromMs: 86_400_000 },
    ]);
  });

  it("stops waiting as soon as the signal aborts, and counts nothing", async () => {
    const g = gate();
    g.update({ "x-retry-after": "60" }, 429);
    const controller = new AbortController();
    const waiting = watch(g.acquire(controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error("stop"));
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.settled).toBe(true);
    expect(waiting.error).toMatchObject({ message: "stop" });
    expect(g.inFlight).toBe(0);
    const already = watch(g.acquire(controller.signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(already.error).toMatchObject({ message: "stop" });
  });

  it("release() frees the slot of a request that got no answer", async () => {
    const g = gate({ reserve: 0 });
    await g.acquire();
    g.update(window(2, 1000), 200);
    await g.acquire();
    await g.acquire();
    const third = watch(g.acquire());
    await vi.advanceTimersByTimeAsync(0);
    expect(third.settled).toBe(false);
    g.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(third.settled).toBe(true);
    expect(g.inFlight).toBe(2);
  });
});
