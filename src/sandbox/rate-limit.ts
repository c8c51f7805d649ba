/**
 * BigCommerce's store-wide request quota (docs/bigcommerce-api.md §8): a fixed window of `windowMs` shared by
 * every app of the store; each request takes one unit; once none is left the store answers 429
 * until the window refreshes. A window starts with the first request after the previous one ended.
 */

export interface QuotaSnapshot {
  /** Requests allowed per window; Infinity when unlimited. */
  readonly quota: number;
  readonly left: number;
  /** ms until the current window refreshes. */
  readonly resetMs: number;
  readonly windowMs: number;
}

export class QuotaWindow {
  readonly quota: number;
  readonly windowMs: number;
  readonly #now: () => number;
  #start: number | undefined;
  #used = 0;

  /** `quota` 0 or Infinity means unlimited. `now` is injected for tests (ms, monotonic). */
  constructor(quota: number, windowMs: number, now: () => number = () => performance.now()) {
    this.quota = quota === 0 ? Number.POSITIVE_INFINITY : quota;
    this.windowMs = windowMs;
    this.#now = now;
  }

  get unlimited(): boolean {
    return this.quota === Number.POSITIVE_INFINITY;
  }

  /** One request arrives: it is allowed, and uses a unit, only if one is left. */
  take(): { allowed: boolean; snapshot: QuotaSnapshot } {
    const now = this.#roll();
    const allowed = this.#used < this.quota;
    if (allowed) this.#used += 1;
    return { allowed, snapshot: this.#snapshot(now) };
  }

  /** Another app of the store uses `n` units of the current window. */
  consume(n: number): void {
    this.#roll();
    this.#used = Math.min(this.quota, this.#used + Math.max(0, n));
  }

  snapshot(): QuotaSnapshot {
    return this.#snapshot(this.#roll());
  }

  #roll(): number {
    const now = this.#now();
    if (this.#start === undefined || now - this.#start >= this.windowMs) {
      this.#start = now;
      this.#used = 0;
    }
    return now;
  }

  #snapshot(now: number): QuotaSnapshot {
    const start = this.#start ?? now;
    return {
      quota: this.quota,
      left: Math.max(0, this.quota - this.#used),
      resetMs: Math.max(0, Math.ceil(start + this.windowMs - now)),
      windowMs: this.windowMs,
    };
  }
}

/** The lower-case headers BigCommerce sends on every response (docs/bigcommerce-api.md §8); none when unlimited. */
export function rateLimitHeaders(snapshot: QuotaSnapshot): Record<string, string> {
  if (!Number.isFinite(snapshot.quota)) return {};
  return {
    "x-rate-limit-requests-quota": String(snapshot.quota),
    "x-rate-limit-requests-left": String(snapshot.left),
    "x-rate-limit-time-reset-ms": String(snapshot.resetMs),
    "x-rate-limit-time-window-ms": String(snapshot.windowMs),
  };
}

/** X-Retry-After is whole seconds until the quota refreshes, rounded up (docs/bigcommerce-api.md §8). */
export function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}
