import type { ErrorCode } from "../codes.js";
import { BatchError } from "../errors.js";

/** Where a request went: method and path below the store (never the host's credentials or the token). */
export interface RequestContext {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** Path below `/stores/{hash}/v2`, e.g. `/orders/12345/shipments`. */
  readonly path: string;
}

/** Any failure of a request to BigCommerce. */
export class ApiError extends BatchError {
  readonly method: RequestContext["method"];
  readonly path: string;

  constructor(
    code: ErrorCode,
    message: string,
    request: RequestContext,
    options?: { cause?: unknown; exitCode?: number },
  ) {
    super(code, message, options);
    this.method = request.method;
    this.path = request.path;
  }
}

/**
 * BigCommerce answered with a non-2xx status. `apiMessage` is BigCommerce's own text
 * (V2 bodies are arrays `[{status, message, details?}]`; V3-style objects are read too).
 */
export class HttpStatusError extends ApiError {
  readonly status: number;
  readonly apiMessage: string | undefined;
  readonly details: unknown;

  constructor(
    request: RequestContext,
    status: number,
    apiMessage: string | undefined,
    details?: unknown,
    options?: { cause?: unknown },
  ) {
    const text = apiMessage ? `: ${apiMessage}` : "";
    super(
      "E_HTTP_STATUS",
      `HTTP ${status}${text} (${request.method} ${request.path})`,
      request,
      options,
    );
    this.status = status;
    this.apiMessage = apiMessage;
    this.details = details;
  }
}

/** The connection failed or was reset; `errno` is Node's code (ECONNRESET, ECONNREFUSED, …). */
export class NetworkError extends ApiError {
  readonly errno: string | undefined;
  /** True when the request certainly never reached the server (e.g. ECONNREFUSED). */
  readonly notSent: boolean;

  constructor(request: RequestContext, errno: string | undefined, options?: { cause?: unknown }) {
    super(
      "E_NETWORK",
      `Network error${errno ? ` ${errno}` : ""} (${request.method} ${request.path})`,
      request,
      options,
    );
    this.errno = errno;
    this.notSent = errno === "ECONNREFUSED" || errno === "ENOTFOUND" || errno === "EAI_AGAIN";
  }
}

/** No answer within the request timeout. */
export class TimeoutError extends ApiError {
  readonly timeoutMs: number;

  constructor(request: RequestContext, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      "E_TIMEOUT",
      `No answer within ${timeoutMs} ms (${request.method} ${request.path})`,
      request,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** 401/403: the store refused the credentials. Stops the whole run (exit 2). */
export class CredentialsRejectedError extends ApiError {
  readonly status: number;

  constructor(request: RequestContext, status: number, options?: { cause?: unknown }) {
    super(
      "E_CREDENTIALS_REJECTED",
      `BigCommerce rejected the credentials (HTTP ${status} on ${request.method} ${request.path}): check the store hash, the access token and its Orders scope`,
      request,
      { ...options, exitCode: 2 },
    );
    this.status = status;
  }
}

/** The run's retry budget is used up: the store is treated as down (exit 3). */
export class OutageError extends ApiError {
  constructor(request: RequestContext, options?: { cause?: unknown }) {
    super(
      "E_OUTAGE",
      `BigCommerce kept failing; the retry budget is used up (last: ${request.method} ${request.path})`,
      request,
      { ...options, exitCode: 3 },
    );
  }
}

/**
 * The answer's body passed the cap of what the client reads (client.ts MAX_RESPONSE_BYTES); the rest
 * was not read. Not retried: the same request would get the same answer.
 */
export class ResponseTooLargeError extends ApiError {
  readonly limitBytes: number;

  constructor(request: RequestContext, limitBytes: number, options?: { cause?: unknown }) {
    super(
      "E_RESPONSE_TOO_LARGE",
      `The answer is larger than ${formatBytes(limitBytes)}, the most bc-order-batch reads (${request.method} ${request.path}); no BigCommerce V2 answer is that large, so check BIGCOMMERCE_API_URL or a proxy in between`,
      request,
      options,
    );
    this.limitBytes = limitBytes;
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}

/** The request was cancelled by the caller's AbortSignal. */
export class RequestAbortedError extends ApiError {
  constructor(request: RequestContext, options?: { cause?: unknown }) {
    super("E_ABORTED", `Request cancelled (${request.method} ${request.path})`, request, options);
  }
}

/** After an error of this kind the request may or may not have been applied by the server. */
export function isUnclearOutcome(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof RequestAbortedError) return true;
  if (error instanceof NetworkError) return !error.notSent;
  if (error instanceof HttpStatusError) return error.status >= 500;
  if (error instanceof OutageError) return true;
  // A write answered 2xx with a body we cannot read was applied, but we cannot tell what it made.
  // Likewise a write answered with a body too large to read (ResponseTooLargeError).
  if (
    error instanceof ApiError &&
    (error.code === "E_UNEXPECTED_RESPONSE" || error.code === "E_RESPONSE_TOO_LARGE")
  )
    return error.method !== "GET";
  return false;
}
