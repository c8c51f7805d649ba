// Issue "Hostile or broken answers", item 10: every wait taken from a header is clamped to the
// window the store announced and to 5 minutes, so an absurd X-Rate-Limit-Time-Reset-Ms neither
// stalls the run for an hour nor overflows Node's timer (a 1 ms busy loop of
// TimeoutOverflowWarnings); the progress line says why the run waits.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  clampServerWaitMs,
  type HeaderMap,
  MAX_SERVER_WAIT_MS,
  MAX_TIMER_MS,
  parseRateLimitHeaders,
  type RateLimitEvent,
  RateLimitGate,
  resetWaitMs,
  serverWaitMs,
} from "../../src/api/rate-limit.js";
import { ProgressReporter, renderLine, waitCause } from "../../src/output/progress.js";

const HOUR = 3_600_000;
const PAST_TIMER_RANGE = 2 ** 31 + 12_345;

function headers(fields: {
  left?: number;
  resetMs?: number;
  windowMs?: number;
  quota?: number;
  retryAfter?: number;
}): HeaderMap {
  const out: Record<string, string> = {};
  if (fields.quota !== undefined) out["x-rate-limit-requests-quota"] = String(fields.quota);
  if (fields.left !== undefined) out["x-rate-limit-requests-left"] = String(fields.left);
  if (fields.resetMs !== undefined) out["x-rate-limit-time-reset-ms"] = String(fields.resetMs);
  if (fields.windowMs !== undefined) out["x-rate-limit-time-window-ms"] = String(fields.windowMs);
  if (fields.retryAfter !== undefined) out["x-retry-after"] = String(fields.retryAfter);
  return out;
}

describe("clamping header-given waits (pure)", () => {
  it.each([
    [800, 1000, 800],
    [HOUR, 1000, 1000],
    [HOUR, undefined, MAX_SERVER_WAIT_MS],
    [HOUR, HOUR, MAX_SERVER_WAIT_MS],
    [PAST_TIMER_RANGE, undefined, MAX_SERVER_WAIT_MS],
  ] as const)("clampServerWaitMs(%i, window %s) = %i", (ms, windowMs, expected) => {
    expect(clampServerWaitMs(ms, windowMs)).toBe(expected);
  });

  it("never exceeds setTimeout's range, whatever the cap", () => {
    expect(clampServerWaitMs(PAST_TIMER_RANGE, undefined, Number.POSITIVE_INFINITY)).toBe(
      MAX_TIMER_MS,
    );
  });

  it("resetWaitMs: the reset of any answer, to the window of that answer or the one known", () => {
    expect(resetWaitMs(parseRateLimitHeaders(headers({ resetMs: HOUR, windowMs: 30_000 })))).toBe(
      30_000,
    );
    expect(resetWaitMs(parseRateLimitHeaders(headers({ resetMs: HOUR })), 1_000)).toBe(1_000);
    expect(resetWaitMs(parseRateLimitHeaders(headers({ resetMs: HOUR })))).toBe(MAX_SERVER_WAIT_MS);
    expect(resetWaitMs(parseRateLimitHeaders(headers({ left: 0 })))).toBeUndefined();
  });

  it("serverWaitMs (429): reset clamped to the window, X-Retry-After to the window in whole seconds", () => {
    // The sandbox and BigCommerce round X-Retry-After up to whole seconds: 1 s for a 600 ms window.
    expect(
      serverWaitMs(parseRateLimitHeaders(headers({ retryAfter: 1, resetMs: 500, windowMs: 600 }))),
    ).toBe(1000);
    expect(
      serverWaitMs(
        parseRateLimitHeaders(headers({ retryAfter: 3600, resetMs: HOUR, windowMs: 600 })),
      ),
    ).toBe(1000);
    expect(
      serverWaitMs(parseRateLimitHeaders(headers({ resetMs: HOUR })), MAX_SERVER_WAIT_MS, 2_000),
    ).toBe(2_000);
    expect(serverWaitMs(parseRateLimitHeaders(headers({ retryAfter: 86_400 })))).toBe(
      MAX_SERVER_WAIT_MS,
    );
  });
});

describe("the gate with absurd reset times (fake timers)", () => {
  let events: RateLimitEvent[];

  beforeEach(() => {
    events = [];
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  function gate(): RateLimitGate {
    return new RateLimitGate({ reserve: 0, onEvent: (event) => events.push(event) });
  }

  it.each([
    ["an hour, with a 1 s window", { resetMs: HOUR, windowMs: 1000 }, 1000],
    [
      "past setTimeout's range, with a 1 s window",
      { resetMs: PAST_TIMER_RANGE, windowMs: 1000 },
      1000,
    ],
    ["an hour, no window announced", { resetMs: HOUR }, MAX_SERVER_WAIT_MS],
    ["past setTimeout's range, no window", { resetMs: PAST_TIMER_RANGE }, MAX_SERVER_WAIT_MS],
  ] as const)(
    "a 200 with no requests left and a reset of %s waits the clamped time",
    async (_, fields, expected) => {
      const timers = vi.spyOn(globalThis, "setTimeout");
      const g = gate();
      await g.acquire();
      g.update(headers({ quota: 100, left: 0, ...fields }), 200);
      expect(g.snapshot().windowEndsInMs).toBe(expected);
      let passed = false;
      void g.acquire().then(() => {
        passed = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(events).toEqual([
        { type: "throttle", waitMs: expected + 50, left: 0, cappedFromMs: fields.resetMs },
      ]);
      await vi.advanceTimersByTimeAsync(expected + 49);
      expect(passed).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(passed).toBe(true);
      // One timer, within setTimeout's range (past it, Node fires after 1 ms: a busy loop).
      expect(timers.mock.calls.map((call) => call[1])).toEqual([expected + 50]);
    },
  );

  it("a reset within the window is taken as is, and not reported as capped", async () => {
    const g = gate();
    await g.acquire();
    g.update(headers({ quota: 100, left: 0, resetMs: 400, windowMs: 1000 }), 200);
    void g.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([{ type: "throttle", waitMs: 450, left: 0 }]);
  });

  it("a 429 asking for an hour waits the window (learnt from an earlier answer), reported as capped", async () => {
    const g = gate();
    await g.acquire();
    g.update(headers({ quota: 100, left: 50, resetMs: 300, windowMs: 2000 }), 200);
    await g.acquire();
    g.update(headers({ retryAfter: 3600, resetMs: HOUR }), 429);
    expect(events).toEqual([
      { type: "rate_limited", waitMs: 2000, withHeaders: true, cappedFromMs: HOUR },
    ]);
    expect(g.snapshot().blockedForMs).toBe(2000);
  });
});

describe("the progress line says why it waits", () => {
  function reporter() {
    let clock = 0;
    const lines: string[] = [];
    const progress = new ProgressReporter({
      stream: { isTTY: false, write: (text: string) => lines.push(text) },
      total: 4,
      now: () => clock,
    });
    return {
      progress,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it.each([
    [{ type: "throttle", waitMs: 1000, left: 0 }, { kind: "quota" }],
    [
      { type: "throttle", waitMs: 1050, left: 0, cappedFromMs: HOUR },
      { kind: "quota", cappedFromMs: HOUR },
    ],
    [{ type: "rate_limited", waitMs: 2000, withHeaders: true }, { kind: "rate_limited" }],
    [{ type: "rate_limited", waitMs: 500, withHeaders: false }, { kind: "overloaded" }],
  ] as const)("%j → %j", (event, cause) => {
    expect(waitCause(event)).toEqual(cause);
    const { progress, advance } = reporter();
    progress.waiting(event.waitMs, event);
    expect(progress.state()).toMatchObject({ waitingMs: event.waitMs, waitingFor: cause });
    advance(event.waitMs);
    expect(progress.state().waitingFor).toBeUndefined();
    progress.finish();
  });

  it("each reason renders its own line, and a wait without a reason renders as before", () => {
    const base = { done: 1, total: 4, failed: 0, elapsedMs: 5000, ratePerSec: 0.2, etaMs: 15_000 };
    const plain = renderLine({ ...base, waitingMs: 2000 });
    const lines = (["quota", "rate_limited", "overloaded"] as const).map((kind) =>
      renderLine({ ...base, waitingMs: 2000, waitingFor: { kind } }),
    );
    const capped = renderLine({
      ...base,
      waitingMs: 2000,
      waitingFor: { kind: "quota", cappedFromMs: HOUR },
    });
    expect(new Set([plain, ...lines, capped]).size).toBe(5);
    for (const line of [...lines, capped]) expect(line.startsWith(plain)).toBe(true);
  });
});
