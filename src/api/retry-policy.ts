import {
  CredentialsRejectedError,
  HttpStatusError,
  NetworkError,
  OutageError,
  RequestAbortedError,
  type RequestContext,
  TimeoutError,
} from "./errors.js";

/** Pure retry policy: which failures are retried, for which methods, how long to wait. No I/O. */

export type HttpMethod = RequestContext["method"];

/** Capped exponential backoff, in milliseconds. */
export interface Backoff {
  /** Delay ceiling of the first retry. @default 1000 */
  readonly baseMs: number;
  /** Largest delay. @default 30000 */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 30_000 };

/** @default 5 attempts per request on transient failures. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Retries of one request after 429s that carried BigCommerce's rate-limit headers. Those are normal
 * throttling and do not count against `maxAttempts`, but a request must not loop forever when
 * another app keeps the store's quota empty.
 */
export const MAX_THROTTLED_RETRIES = 20;

/** What went wrong in one attempt, as far as retrying is concerned. */
export type FailureKind =
  /** 429 with rate-limit headers: rejected before processing (docs/bigcommerce-api.md §8). */
  | "throttled"
  /** 429 without rate-limit headers: "the platform experiences high load" (docs/bigcommerce-api.md §8). */
  | "overloaded"
  /** 500/502/503/504: the server may or may not have applied the request. */
  | "server_error"
  /** The connection was never made (refused, DNS): the request certainly was not sent. */
  | "not_sent"
  /** Reset, broken pipe, …: the request may have been applied. */
  | "connection"
  /** No answer within the timeout: the request may have been applied. */
  | "timeout"
  /** Anything a retry will not fix: other 4xx, 501, 505, credentials, unknown errors. */
  | "permanent"
  /** The caller's AbortSignal fired. */
  | "aborted";

interface KindPolicy {
  /** Methods for which this failure is retried. */
  readonly methods: readonly HttpMethod[];
  /** Whether the retry takes a token from the run's RetryQuota. */
  readonly takesQuota: boolean;
  /**
   * "gate": the RateLimitGate (shared by all workers) holds the retry; "backoff": this request waits
   * a capped exponential delay with full jitter.
   */
  readonly wait: "gate" | "backoff";
  /** Whether the failed attempt counts against `maxAttempts`. */
  readonly countsAttempt: boolean;
}

const ALL: readonly HttpMethod[] = ["GET", "PUT", "POST", "DELETE"];
/**
 * PUT carries absolute values, so repeating it is harmless; POST creates a shipment each time, so it is
 * only repeated when it certainly was not applied (STYLE.md R5, docs/bigcommerce-api.md §5). A
 * repeated DELETE of a shipment already deleted meets a 404, which the caller reads as "gone" (§12).
 */
const IDEMPOTENT: readonly HttpMethod[] = ["GET", "PUT", "DELETE"];
const NONE: readonly HttpMethod[] = [];

/** The policy table: failure kind → retry treatment. */
export const RETRY_POLICY: Readonly<Record<FailureKind, KindPolicy>> = {
  throttled: { methods: ALL, takesQuota: false, wait: "gate", countsAttempt: false },
  // A 429 without headers is a platform-wide slowdown: every worker pauses (docs/bigcommerce-api.md §8 "gradually
  // increase the wait time"), and it counts as a transient failure.
  overloaded: { methods: ALL, takesQuota: true, wait: "gate", countsAttempt: true },
  server_error: { methods: IDEMPOTENT, takesQuota: true, wait: "backoff", countsAttempt: true },
  not_sent: { methods: ALL, takesQuota: true, wait: "backoff", countsAttempt: true },
  connection: { methods: IDEMPOTENT, takesQuota: true, wait: "backoff", countsAttempt: true },
  timeout: { methods: IDEMPOTENT, takesQuota: true, wait: "backoff", countsAttempt: true },
  permanent: { methods: NONE, takesQuota: false, wait: "backoff", countsAttempt: true },
  aborted: { methods: NONE, takesQuota: false, wait: "backoff", countsAttempt: true },
};

/**
 * Statuses worth retrying (docs/bigcommerce-api.md §9: "Do not retry 4xx except 429"; 500/502/503/504 with backoff;
 * 501 and 505 are persistent). Every status not listed is permanent.
 */
export const RETRYABLE_STATUSES: Readonly<Record<number, FailureKind>> = {
  500: "server_error",
  502: "server_error",
  503: "server_error",
  504: "server_error",
};

/**
 * Node error codes of connection failures that a retry may fix. "socket hang up" arrives as
 * ECONNRESET. ECONNREFUSED, ENOTFOUND and EAI_AGAIN mean the request never left (NetworkError.notSent).
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * Classifies the error of one attempt. `rateLimitHeaders` tells whether a 429 carried BigCommerce's
 * rate-limit headers (x-retry-after or x-rate-limit-time-reset-ms).
 */
export function classifyFailure(error: unknown, rateLimitHeaders = false): FailureKind {
  if (error instanceof RequestAbortedError) return "aborted";
  if (error instanceof CredentialsRejectedError || error instanceof OutageError) return "permanent";
  if (error instanceof TimeoutError) return "timeout";
  if (error instanceof NetworkError) {
    if (error.notSent) return "not_sent";
    return error.errno !== undefined && TRANSIENT_NETWORK_CODES.has(error.errno)
      ? "connection"
      : "permanent";
  }
  if (error instanceof HttpStatusError) {
    if (error.status === 429) return rateLimitHeaders ? "throttled" : "overloaded";
    return RETRYABLE_STATUSES[error.status] ?? "permanent";
  }
  return "permanent";
}

/**
 * Delay before retry number `retry` (1 = first retry): "full jitter", a uniform draw in
 * [0, min(maxMs, baseMs·2^(retry−1))) (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * Math.max(0, ceiling));
}

export interface RetryInput {
  /** The error of the failed attempt. */
  readonly error: unknown;
  readonly method: HttpMethod;
  /** Attempts made so far that count against `maxAttempts` (including the failed one, if it counts). */
  readonly attempt: number;
  /** Retries so far after 429s with rate-limit headers. */
  readonly throttledRetries?: number;
  /** Whether the failed response was a 429 carrying rate-limit headers. */
  readonly rateLimitHeaders?: boolean;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  /** Uniform random in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export type RetryDecision =
  | { readonly retry: false; readonly kind: FailureKind }
  | {
      readonly retry: true;
      readonly kind: FailureKind;
      /** Wait before the next attempt; 0 when the RateLimitGate holds the retry instead. */
      readonly delayMs: number;
      readonly takesQuota: boolean;
    };

/** Decides whether a failed attempt is retried and after how long. Pure. */
export function decideRetry(input: RetryInput): RetryDecision {
  const kind = classifyFailure(input.error, input.rateLimitHeaders ?? false);
  const policy = RETRY_POLICY[kind];
  if (!policy.methods.includes(input.method)) return { retry: false, kind };
  if (policy.countsAttempt && input.attempt >= input.maxAttempts) return { retry: false, kind };
  if (!policy.countsAttempt && (input.throttledRetries ?? 0) >= MAX_THROTTLED_RETRIES) {
    return { retry: false, kind };
  }
  const delayMs =
    policy.wait === "gate"
      ? 0
      : backoffDelay(input.attempt, input.backoff, input.random ?? Math.random);
  return { retry: true, kind, delayMs, takesQuota: policy.takesQuota };
}

/**
 * Run-level budget for transient retries, shared by every store of a run (after the AWS SDK's retry
 * quota): each retry takes one token, each healthy response gives back `refund` up to `capacity`.
 * When a retry is needed and no token is left, the run treats BigCommerce as down (OutageError, exit 3).
 * 429s with rate-limit headers are normal throttling and take no token.
 */
export class RetryQuota {
  readonly capacity: number;
  readonly refund: number;
  // Kept in thousandths of a token so that five refunds of 0.2 make exactly one token.
  #milli: number;

  /**
   * @param options.capacity Retries the run may make in a row without healthy responses. @default 20
   * @param options.refund Tokens returned per healthy response. @default 0.2
   */
  constructor(options: { capacity?: number; refund?: number } = {}) {
    const capacity = options.capacity ?? 20;
    const refund = options.refund ?? 0.2;
    if (!Number.isFinite(capacity) || capacity < 0) {
      throw new TypeError("RetryQuota: capacity must be a finite number ≥ 0");
    }
    if (!Number.isFinite(refund) || refund < 0) {
      throw new TypeError("RetryQuota: refund must be a finite number ≥ 0");
    }
    this.capacity = capacity;
    this.refund = refund;
    this.#milli = Math.round(capacity * 1000);
  }

  /** Tokens left. */
  get available(): number {
    return this.#milli / 1000;
  }

  /** Takes one token for a retry; false when fewer than one is left (the store is treated as down). */
  tryTake(): boolean {
    if (this.#milli < 1000) return false;
    this.#milli -= 1000;
    return true;
  }

  /** A healthy response: gives back `refund` tokens, up to `capacity`. */
  recordSuccess(): void {
    this.#milli = Math.min(
      Math.round(this.capacity * 1000),
      this.#milli + Math.round(this.refund * 1000),
    );
  }
}
