import type { Backoff } from "./retry-policy.js";
import { DEFAULT_BACKOFF } from "./retry-policy.js";

/**
 * BigCommerce rate limiting (docs/bigcommerce-api.md §8): pure header maths plus one small stateful gate per store,
 * shared by all workers, so that the store's quota is used without running into 429s.
 */

/** Response headers as the HTTP client hands them over (names lower-case). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Header names (lower-case, as they arrive; docs/bigcommerce-api.md §8 table). */
export const RATE_LIMIT_HEADERS = {
  quota: "x-rate-limit-requests-quota",
  left: "x-rate-limit-requests-left",
  resetMs: "x-rate-limit-time-reset-ms",
  windowMs: "x-rate-limit-time-window-ms",
  /** Seconds, on rate-limited responses. */
  retryAfter: "x-retry-after",
} as const;

/** What one response says about the store's quota; a field is absent when its header is missing or malformed. */
export interface RateLimitInfo {
  /** Requests allowed per window. */
  readonly quota?: number;
  /** Requests left in the current window. */
  readonly left?: number;
  /** Milliseconds until the quota refreshes. */
  readonly resetMs?: number;
  /** Window length in milliseconds. */
  readonly windowMs?: number;
  /** X-Retry-After converted to milliseconds. */
  readonly retryAfterMs?: number;
}

/** Longest wait a server-given header can impose (a garbage value must not stall a run for hours). */
export const MAX_SERVER_WAIT_MS = 5 * 60_000;

/**
 * Longest delay Node's setTimeout takes (2^31 − 1 ms); a longer one fires after 1 ms with a
 * TimeoutOverflowWarning, which would turn a wait into a busy loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Share of the quota left to the store's other apps when no `reserve` is configured. */
export const DEFAULT_RESERVE_SHARE = 0.1;

/**
 * Pause after the estimated window end before sending again. Our estimate (arrival time + reset-ms)
 * is already later than the server's, the margin covers rounding of reset-ms.
 */
export const RESUME_MARGIN_MS = 50;

/** Window length assumed until a response tells it (docs/bigcommerce-api.md §8: "refreshed every 30 seconds"). */
const ASSUMED_WINDOW_MS = 30_000;

function readNumber(headers: HeaderMap, name: string): number | undefined {
  let value = headers[name];
  if (Array.isArray(value)) value = value[0];
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  // Plain non-negative decimals only: "", "-1", "1e9", "abc", "12ms" are malformed and ignored.
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** Reads BigCommerce's rate-limit headers; malformed or missing ones are left out. */
export function parseRateLimitHeaders(headers: HeaderMap): RateLimitInfo {
  const lower: Record<string, HeaderMap[string]> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  const quota = readNumber(lower, RATE_LIMIT_HEADERS.quota);
  const left = readNumber(lower, RATE_LIMIT_HEADERS.left);
  const resetMs = readNumber(lower, RATE_LIMIT_HEADERS.resetMs);
  const windowMs = readNumber(lower, RATE_LIMIT_HEADERS.windowMs);
  const retryAfter = readNumber(lower, RATE_LIMIT_HEADERS.retryAfter);
  return {
    ...(quota === undefined ? {} : { quota: Math.floor(quota) }),
    ...(left === undefined ? {} : { left: Math.floor(left) }),
    ...(resetMs === undefined ? {} : { resetMs }),
    ...(windowMs === undefined || windowMs === 0 ? {} : { windowMs }),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
  };
}

/** Whether a 429 carried a server-given wait, i.e. is BigCommerce's normal throttling. */
export function hasServerWait(info: RateLimitInfo): boolean {
  return info.retryAfterMs !== undefined || info.resetMs !== undefined;
}

/**
 * A wait a header asks for, as the client takes it: never longer than the window the store announced
 * (X-Rate-Limit-Time-Window-Ms: the quota refreshes at least that often,
 * https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits), and never longer
 * than `maxMs`, however absurd the header. `windowMs` undefined: no window known, `maxMs` only.
 */
export function clampServerWaitMs(
  ms: number,
  windowMs: number | undefined,
  maxMs: number = MAX_SERVER_WAIT_MS,
): number {
  const ceiling = Math.min(maxMs, windowMs ?? Number.POSITIVE_INFINITY, MAX_TIMER_MS);
  return Math.max(0, Math.min(ms, ceiling));
}

/**
 * X-Rate-Limit-Time-Reset-Ms of any answer, clamped (clampServerWaitMs) to the window: that of the
 * same answer, else `knownWindowMs` (the last one announced). Undefined without the header.
 */
export function resetWaitMs(
  info: RateLimitInfo,
  knownWindowMs?: number,
  maxMs: number = MAX_SERVER_WAIT_MS,
): number | undefined {
  if (info.resetMs === undefined) return undefined;
  return clampServerWaitMs(info.resetMs, info.windowMs ?? knownWindowMs, maxMs);
}

/**
 * Wait after a 429 that carries rate-limit headers. Precedence (docs/bigcommerce-api.md §8, STYLE.md R4): the longer of
 * X-Retry-After and X-Rate-Limit-Time-Reset-Ms ("honor the longer of the two"), no jitter, each
 * clamped to the window like any header-given wait (X-Retry-After to the window rounded up to whole
 * seconds, the unit it comes in), and capped at `maxMs`. Undefined when neither header is usable.
 */
export function serverWaitMs(
  info: RateLimitInfo,
  maxMs: number = MAX_SERVER_WAIT_MS,
  knownWindowMs?: number,
): number | undefined {
  if (!hasServerWait(info)) return undefined;
  const windowMs = info.windowMs ?? knownWindowMs;
  const retryWindowMs = windowMs === undefined ? undefined : Math.ceil(windowMs / 1000) * 1000;
  return Math.max(
    clampServerWaitMs(info.retryAfterMs ?? 0, retryWindowMs, maxMs),
    resetWaitMs(info, knownWindowMs, maxMs) ?? 0,
  );
}

/** The wait the headers of a 429 asked for, unclamped (to tell when the client waits less). */
function askedWaitMs(info: RateLimitInfo): number {
  return Math.max(info.retryAfterMs ?? 0, info.resetMs ?? 0);
}

/**
 * Wait after the `streak`-th 429 in a row without rate-limit headers ("the platform experiences high
 * load… gradually increase the wait time", docs/bigcommerce-api.md §8): capped exponential with equal jitter, so the
 * whole store pauses at least half the step.
 */
export function overloadWaitMs(streak: number, backoff: Backoff, random: () => number): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, streak - 1));
  return Math.floor(step / 2 + (random() * step) / 2);
}

/** Requests per window left to the store's other apps by default: 10 % of the quota, rounded up. */
export function defaultReserve(quota: number): number {
  return Math.ceil(quota * DEFAULT_RESERVE_SHARE);
}

/**
 * Requests that may still be sent in the current window: what the freshest response left, minus the
 * requests already on their way (not yet counted by the server), minus the reserve.
 */
export function sendableRequests(left: number, inFlight: number, reserve: number): number {
  return left - inFlight - reserve;
}

/**
 * - rate_limited: a 429 closed the gate for `waitMs` (`withHeaders`: server-given wait, else a backoff).
 * - throttle: the window's quota (minus reserve and requests in flight) is used up; all workers wait
 *   about `waitMs` for the window to reset.
 * `cappedFromMs`, when present: the headers asked for this longer wait, clamped to the store's window
 * and to the cap of server-given waits (clampServerWaitMs).
 */
export type RateLimitEvent =
  | { type: "rate_limited"; waitMs: number; withHeaders: boolean; cappedFromMs?: number }
  | { type: "throttle"; waitMs: number; left: number; cappedFromMs?: number };

export interface RateLimitGateOptions {
  /** Requests per window left for other apps. @default 10 % of the quota, rounded up, once known */
  readonly reserve?: number;
  /** Backoff after 429s without headers. @default { baseMs: 1000, maxMs: 30000 } */
  readonly backoff?: Backoff;
  /** Cap of server-given waits. @default 300000 */
  readonly maxWaitMs?: number;
  /** @default RESUME_MARGIN_MS */
  readonly resumeMarginMs?: number;
  readonly onEvent?: (event: RateLimitEvent) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  /** Uniform random in [0, 1), for tests. @default Math.random */
  readonly random?: () => number;
}

/** A point-in-time view of the gate, for logs and benchmarks. */
export interface GateSnapshot {
  readonly quota: number | undefined;
  /** The window the store announced (X-Rate-Limit-Time-Window-Ms), ms; undefined: unknown. */
  readonly windowMs: number | undefined;
  /** Requests left in the current window per the freshest response (undefined: unknown). */
  readonly left: number | undefined;
  readonly reserve: number;
  readonly inFlight: number;
  /** Milliseconds until the current window ends (undefined: unknown). */
  readonly windowEndsInMs: number | undefined;
  /** Milliseconds the gate stays closed after a 429 (0: open). */
  readonly blockedForMs: number;
}

interface QuotaWindow {
  /** Requests left per the freshest response (or the full quota, assumed, right after a reset). */
  left: number;
  /** Estimated end of the window (clock ms); undefined until a response places it. */
  endsAt: number | undefined;
  /** The reset the freshest response asked for, when it was longer than the wait taken (clamped). */
  cappedFromMs?: number | undefined;
}

/**
 * One per store, shared by every worker. Call `acquire()` before each request, then `update()` with the
 * response headers, or `release()` when no response arrived. The gate pauses all workers when the
 * window's quota (minus reserve and requests in flight) is used up, and after a 429 until the
 * server-given wait (or a backoff) is over: no request passes while it is blocked.
 */
export class RateLimitGate {
  readonly #options: RateLimitGateOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  #quota: number | undefined;
  #windowMs: number | undefined;
  #window: QuotaWindow | undefined;
  #blockedUntil = 0;
  #inFlight = 0;
  #overloadStreak = 0;
  #pauseReported = false;
  readonly #wakers = new Set<() => void>();

  constructor(options: RateLimitGateOptions = {}) {
    if (
      options.reserve !== undefined &&
      !(Number.isInteger(options.reserve) && options.reserve >= 0)
    ) {
      throw new TypeError("RateLimitGate: reserve must be an integer ≥ 0");
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Requests per window kept free for other apps (never the whole quota: at least one request per window passes). */
  get reserve(): number {
    const quota = this.#quota;
    const wanted = this.#options.reserve ?? (quota === undefined ? 0 : defaultReserve(quota));
    return quota === undefined ? wanted : Math.min(wanted, Math.max(0, quota - 1));
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  snapshot(): GateSnapshot {
    const now = this.#now();
    const endsAt = this.#window?.endsAt;
    return {
      quota: this.#quota,
      windowMs: this.#windowMs,
      left: this.#window?.left,
      reserve: this.reserve,
      inFlight: this.#inFlight,
      windowEndsInMs: endsAt === undefined ? undefined : Math.max(0, endsAt - now),
      blockedForMs: Math.max(0, this.#blockedUntil - now),
    };
  }

  /**
   * Waits until a request may be sent, then counts it in flight. Rejects with the signal's reason as
   * soon as `signal` aborts (nothing is then counted).
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#now();
      if (now < this.#blockedUntil) {
        await this.#sleep(this.#blockedUntil - now, signal);
        continue;
      }
      const window = this.#currentWindow(now);
      if (window !== undefined) {
        const sendable = sendableRequests(window.left, this.#inFlight, this.reserve);
        // With the window end unknown, one request must go out to learn it.
        const mustProbe = window.endsAt === undefined && this.#inFlight === 0;
        if (sendable <= 0 && !mustProbe) {
          const margin = this.#options.resumeMarginMs ?? RESUME_MARGIN_MS;
          // End unknown: a response in flight will place the window and wake us.
          const waitMs =
            window.endsAt === undefined ? Number.POSITIVE_INFINITY : window.endsAt + margin - now;
          if (!this.#pauseReported) {
            this.#pauseReported = true;
            this.#emit({
              type: "throttle",
              waitMs: Number.isFinite(waitMs) ? waitMs : 0,
              left: window.left,
              ...(window.cappedFromMs === undefined ? {} : { cappedFromMs: window.cappedFromMs }),
            });
          }
          await this.#sleep(waitMs, signal);
          continue;
        }
      }
      this.#pauseReported = false;
      this.#inFlight += 1;
      return;
    }
  }

  /** A response arrived for an acquired request: learn the quota from its headers. */
  update(headers: HeaderMap, status: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    const info = parseRateLimitHeaders(headers);
    const now = this.#now();
    if (info.quota !== undefined) this.#quota = info.quota;
    if (info.windowMs !== undefined) this.#windowMs = info.windowMs;
    if (status === 429) {
      this.#onRateLimited(info, now);
    } else {
      this.#overloadStreak = 0;
      // An absurd reset (an hour, or past setTimeout's range) must not stall the run: clamped.
      const resetMs = resetWaitMs(info, this.#windowMs, this.#maxWaitMs);
      if (info.left !== undefined && resetMs !== undefined) {
        const capped =
          info.resetMs !== undefined && info.resetMs > resetMs ? info.resetMs : undefined;
        this.#observe(info.left, now + resetMs, now, capped);
      }
    }
    this.#wakeAll();
  }

  /** An acquired request got no response (network error, timeout, abort). */
  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#wakeAll();
  }

  /** The window as of `now`: once its end has passed the quota is refilled, assumed full until a response says otherwise. */
  #currentWindow(now: number): QuotaWindow | undefined {
    const window = this.#window;
    if (window?.endsAt !== undefined && now >= window.endsAt) {
      this.#window =
        this.#quota === undefined ? undefined : { left: this.#quota, endsAt: undefined };
    }
    return this.#window;
  }

  get #maxWaitMs(): number {
    return this.#options.maxWaitMs ?? MAX_SERVER_WAIT_MS;
  }

  /** Merges what one response says about the window, keeping the freshest view. */
  #observe(left: number, endsAt: number, now: number, cappedFromMs: number | undefined): void {
    const window = this.#currentWindow(now);
    if (window === undefined || window.endsAt === undefined) {
      this.#window = { left, endsAt, cappedFromMs };
      return;
    }
    // Estimates of the same window differ by network latency, those of two windows by a window length.
    const tolerance = (this.#windowMs ?? ASSUMED_WINDOW_MS) / 2;
    if (endsAt > window.endsAt + tolerance) {
      this.#window = { left, endsAt, cappedFromMs }; // the server already started a new window
    } else if (endsAt >= window.endsAt - tolerance) {
      // Same window: responses can overtake each other; the lowest `left` is the freshest count, and the
      // latest arrival the freshest estimate of the end (no drift from taking maxima).
      window.left = Math.min(window.left, left);
      window.endsAt = endsAt;
      window.cappedFromMs = cappedFromMs;
    }
    // else: a late answer from a window that is already over; ignore it.
  }

  #onRateLimited(info: RateLimitInfo, now: number): void {
    const serverWait = serverWaitMs(info, this.#maxWaitMs, this.#windowMs);
    let waitMs: number;
    if (serverWait === undefined) {
      this.#overloadStreak += 1;
      waitMs = overloadWaitMs(
        this.#overloadStreak,
        this.#options.backoff ?? DEFAULT_BACKOFF,
        this.#random,
      );
    } else {
      this.#overloadStreak = 0;
      waitMs = serverWait;
      // Nothing is left until the wait is over; afterwards the window counts as refilled.
      this.#window = { left: 0, endsAt: now + waitMs };
    }
    this.#blockedUntil = Math.max(this.#blockedUntil, now + waitMs);
    const asked = serverWait === undefined ? 0 : askedWaitMs(info);
    this.#emit({
      type: "rate_limited",
      waitMs,
      withHeaders: serverWait !== undefined,
      ...(asked > waitMs ? { cappedFromMs: asked } : {}),
    });
  }

  #emit(event: RateLimitEvent): void {
    this.#options.onEvent?.(event);
  }

  #wakeAll(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }

  /** Sleeps `ms` (Infinity: until woken), or until the gate's state changes, or until `signal` aborts. */
  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#wakers.delete(wake);
        signal?.removeEventListener("abort", onAbort);
      };
      const wake = (): void => {
        done();
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason);
      };
      // Past MAX_TIMER_MS setTimeout fires at once (a busy loop): sleep in steps; the caller re-checks.
      if (Number.isFinite(ms)) timer = setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
      this.#wakers.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
