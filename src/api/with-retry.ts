import {
  ApiError,
  HttpStatusError,
  OutageError,
  RequestAbortedError,
  type RequestContext,
} from "./errors.js";
import { type Backoff, decideRetry, type FailureKind, type RetryQuota } from "./retry-policy.js";

/** The result of one attempt: a value, or the error that ended it. */
export type AttemptResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: ApiError;
      /** A 429 that carried rate-limit headers (normal throttling: no retry token, no attempt counted). */
      readonly rateLimitHeaders?: boolean;
    };

export interface RetryNotice {
  /** Number of the attempt about to be made (2 = first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly kind: FailureKind;
  /** Short reason for logs, e.g. "HTTP 503", "ECONNRESET", "timeout". */
  readonly reason: string;
}

export interface WithRetryOptions {
  readonly request: RequestContext;
  /** Attempts per request on transient failures (429s with rate-limit headers do not count). */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly quota: RetryQuota;
  readonly signal?: AbortSignal | undefined;
  readonly onRetry?: (notice: RetryNotice) => void;
  /** @default Math.random */
  readonly random?: () => number;
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(error: ApiError): string {
  if (error instanceof HttpStatusError) return `HTTP ${error.status}`;
  if ("errno" in error && typeof error.errno === "string") return error.errno;
  return error.code === "E_TIMEOUT" ? "timeout" : error.code;
}

/**
 * Runs `attempt` until it succeeds or the retry policy (retry-policy.ts) says stop. The last error is
 * thrown as is; when a retry is needed but the run's RetryQuota is empty, an OutageError is thrown
 * (cause: the last error). An aborted `signal` ends everything at once with RequestAbortedError.
 * `attempt` may also throw ApiErrors (network, timeout); any other exception is a bug and passes through.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<AttemptResult<T>>,
  options: WithRetryOptions,
): Promise<T> {
  const { request, signal, quota } = options;
  let counted = 0; // attempts that count against maxAttempts
  let throttled = 0; // retries after 429s with rate-limit headers
  for (let number = 1; ; number += 1) {
    if (signal?.aborted) throw new RequestAbortedError(request);
    let result: AttemptResult<T>;
    try {
      result = await attempt(number);
    } catch (error) {
      if (signal?.aborted) throw new RequestAbortedError(request);
      if (!(error instanceof ApiError)) throw error;
      result = { ok: false, error };
    }
    if (result.ok) {
      quota.recordSuccess();
      return result.value;
    }
    const { error } = result;
    if (error instanceof RequestAbortedError || signal?.aborted) {
      throw error instanceof RequestAbortedError ? error : new RequestAbortedError(request);
    }
    // A 4xx answer other than 429 shows the store is up: it refunds the quota like a success.
    if (error instanceof HttpStatusError && error.status < 500 && error.status !== 429) {
      quota.recordSuccess();
    }
    const decision = decideRetry({
      error,
      method: request.method,
      attempt: counted + 1,
      throttledRetries: throttled,
      rateLimitHeaders: result.rateLimitHeaders ?? false,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    if (decision.kind === "throttled") throttled += 1;
    else counted += 1;
    if (!decision.retry) throw error;
    if (decision.takesQuota && !quota.tryTake()) throw new OutageError(request, { cause: error });
    options.onRetry?.({
      attempt: number + 1,
      delayMs: decision.delayMs,
      kind: decision.kind,
      reason: describe(error),
    });
    if (decision.delayMs > 0) {
      try {
        await sleep(decision.delayMs, signal);
      } catch {
        throw new RequestAbortedError(request);
      }
    }
  }
}
