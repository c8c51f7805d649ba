import axios from "axios";
import {
  ApiError,
  CredentialsRejectedError,
  HttpStatusError,
  NetworkError,
  RequestAbortedError,
  type RequestContext,
  ResponseTooLargeError,
  TimeoutError,
} from "./errors.js";
import { redactSecret, redactValue } from "./secret.js";

/**
 * The HTTP transport: the only module that imports axios. It sends one request, never retries, and
 * hands back status, headers and body; the access token never leaves this module in an error.
 */

export interface HttpRequest extends RequestContext {
  /** Query parameters, e.g. `{ limit: 250, page: 2 }`. */
  readonly query?: Readonly<Record<string, string | number>>;
  /** JSON body, for PUT and POST. */
  readonly body?: unknown;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The raw body text ("" when none). */
  readonly text: string;
}

export interface HttpClientOptions {
  /** Checked base URL (url.ts); requests go to `${baseUrl}/stores/${storeHash}/v2${path}`. */
  readonly baseUrl: URL;
  readonly storeHash: string;
  readonly accessToken: string;
  readonly userAgent: string;
  /** Deadline per attempt, from sending to the last body byte. */
  readonly timeoutMs: number;
  /** Largest response body read, in bytes (after decompression). @default MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
}

/**
 * Largest response body accepted, and largest request body sent: 16 MiB. A V2 page holds at most 250
 * entries (https://developer.bigcommerce.com/docs/rest-management/orders), a few hundred KB even for
 * orders with long notes, so anything near this is not a real answer; without a cap, a broken or
 * hostile server could make the run hold any amount of memory.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface HttpClient {
  /**
   * Sends one request. Resolves with any HTTP status; rejects when no complete response arrived, with
   * TimeoutError, RequestAbortedError (the signal fired), ResponseTooLargeError (the body passed the
   * cap; the rest was not read) or NetworkError.
   */
  send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>;
  /** The path below the host, with the query, as shown in errors and events. */
  describePath(request: HttpRequest): string;
}

/** Longest excerpt of a non-JSON error body kept in an error message. */
export const BODY_EXCERPT_CHARS = 200;

/**
 * Replaces every occurrence of `secret` (non-empty) in `text`, in every form a server could echo it
 * in: as is, upper- or lower-cased, URL-encoded, base64 (secret.ts).
 */
export function redact(text: string, secret: string): string {
  return redactSecret(text, secret);
}

/**
 * What stays of a transport failure: message and code only. A raw AxiosError carries the request
 * config, including the X-Auth-Token header, so it is never kept as `cause`.
 */
export class TransportError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "TransportError";
    this.code = code;
  }
}

/** A 2xx answer whose body is not what the endpoint documents (not JSON, wrong shape). */
export class UnexpectedResponseError extends ApiError {
  readonly status: number;

  constructor(request: RequestContext, status: number, expected: string) {
    super(
      "E_UNEXPECTED_RESPONSE",
      `HTTP ${status} without the expected ${expected} in the body (${request.method} ${request.path})`,
      request,
    );
    this.status = status;
  }
}

/** Parses a body: undefined when empty, the JSON value, or `{ text }` when it is not JSON. */
export function parseBody(text: string): { json: unknown } | { text: string } | undefined {
  if (text.trim() === "") return undefined;
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { text };
  }
}

/**
 * Characters of a non-JSON body that excerptBody looks at. A gateway's error page names the problem
 * in its first lines (the title); a hostile page must not cost more than this, however long it is.
 */
export const EXCERPT_INPUT_CHARS = 4096;

/** Whether `lower` (lower-cased text) has the tag `name` at `at` (`<name` then `>`, space or `/`). */
function tagAt(lower: string, at: number, name: string): boolean {
  if (!lower.startsWith(name, at + 1)) return false;
  const next = lower.charAt(at + 1 + name.length);
  return next === ">" || next === "/" || next === "" || /\s/.test(next);
}

/** The text of `<title>…</title>` when the page has one (the first one), else undefined. Linear. */
function pageTitle(text: string, lower: string): string | undefined {
  for (let at = lower.indexOf("<title"); at !== -1; at = lower.indexOf("<title", at + 1)) {
    if (!tagAt(lower, at, "title")) continue;
    const open = lower.indexOf(">", at);
    if (open === -1) return undefined;
    const end = lower.indexOf("<", open + 1);
    if (end === -1 || !lower.startsWith("</title>", end)) return undefined;
    return text.slice(open + 1, end);
  }
  return undefined;
}

/**
 * The text without tags, each tag (and each `<script>`/`<style>` element) replaced by a space.
 * One pass with indexOf, so linear in the input: a page of unclosed `<` costs no more than any other
 * (a `/<[^>]*>/g` regex is quadratic on it).
 */
function stripTags(text: string, lower: string): string {
  const parts: string[] = [];
  // Once an element has no closing tag, no later one has either: stop looking for it.
  const unclosed = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt === -1) {
      parts.push(text.slice(i));
      break;
    }
    parts.push(text.slice(i, lt));
    const gt = text.indexOf(">", lt + 1);
    if (gt === -1) {
      // No tag closes after this point: the rest is text.
      parts.push(text.slice(lt));
      break;
    }
    parts.push(" ");
    i = gt + 1;
    for (const name of ["script", "style"]) {
      if (unclosed.has(name) || !tagAt(lower, lt, name)) continue;
      const close = lower.indexOf(`</${name}`, gt + 1);
      const closeEnd = close === -1 ? -1 : lower.indexOf(">", close);
      if (closeEnd === -1) unclosed.add(name);
      else i = closeEnd + 1;
      break;
    }
  }
  return parts.join("");
}

/**
 * A short, single-line excerpt of a non-JSON body (gateway pages): the HTML title, or the text
 * without tags. Reads only the first EXCERPT_INPUT_CHARS characters, in linear time.
 */
export function excerptBody(text: string): string {
  const head = text.slice(0, EXCERPT_INPUT_CHARS);
  // ASCII only: the same length as `head`, so indexes found in one hold in the other.
  const lower = head.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  const title = pageTitle(head, lower);
  const plain = (title ?? stripTags(head, lower)).replace(/\s+/g, " ").trim();
  return plain.length > BODY_EXCERPT_CHARS ? `${plain.slice(0, BODY_EXCERPT_CHARS - 1)}…` : plain;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads BigCommerce's error text (docs/bigcommerce-api.md §9): V2 arrays `[{status, message, details?}]` (messages
 * joined with "; ", first `details`), V3-style `{title, errors}` (errors as details), or an excerpt of
 * an empty or non-JSON body.
 */
export function readErrorBody(text: string): { apiMessage?: string; details?: unknown } {
  const body = parseBody(text);
  if (body === undefined) return {};
  if ("text" in body) {
    const excerpt = excerptBody(body.text);
    return excerpt === "" ? {} : { apiMessage: excerpt };
  }
  const { json } = body;
  if (Array.isArray(json)) {
    const entries = json.filter(isRecord);
    const messages = entries
      .map((entry) => entry.message)
      .filter((message): message is string => typeof message === "string" && message !== "");
    const withDetails = entries.find((entry) => entry.details !== undefined);
    return {
      ...(messages.length > 0 ? { apiMessage: messages.join("; ") } : {}),
      ...(withDetails === undefined ? {} : { details: withDetails.details }),
    };
  }
  if (isRecord(json)) {
    const title = [json.title, json.message, json.detail, json.error].find(
      (value): value is string => typeof value === "string" && value !== "",
    );
    const details = json.errors ?? json.details;
    return {
      ...(title === undefined ? {} : { apiMessage: title }),
      ...(details === undefined ? {} : { details }),
    };
  }
  return { apiMessage: excerptBody(String(json)) };
}

/** The error for a non-2xx answer: CredentialsRejectedError for 401/403, HttpStatusError otherwise. */
export function statusError(
  request: RequestContext,
  response: HttpResponse,
  secret = "",
): CredentialsRejectedError | HttpStatusError {
  const { apiMessage, details } = readErrorBody(response.text);
  const httpError = new HttpStatusError(
    request,
    response.status,
    apiMessage === undefined ? undefined : redact(apiMessage, secret),
    redactValue(details, secret),
  );
  if (response.status === 401 || response.status === 403) {
    return new CredentialsRejectedError(request, response.status, { cause: httpError });
  }
  return httpError;
}

function errorCode(error: unknown): string | undefined {
  if (!isRecord(error) && !(error instanceof Error)) return undefined;
  const record = error as { code?: unknown; cause?: unknown };
  if (typeof record.code === "string" && record.code !== "ERR_NETWORK") return record.code;
  const cause = record.cause as { code?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  return typeof record.code === "string" ? record.code : undefined;
}

/** axios's failure when a body passes `maxContentLength` (its Node http adapter stops reading there). */
function isTooLarge(error: unknown): boolean {
  return (
    axios.isAxiosError(error) &&
    error.code === "ERR_BAD_RESPONSE" &&
    error.message.includes("maxContentLength")
  );
}

function flattenHeaders(raw: unknown): Record<string, string | readonly string[]> {
  const source = isRecord(raw) && typeof raw.toJSON === "function" ? raw.toJSON() : raw;
  const headers: Record<string, string | readonly string[]> = {};
  if (!isRecord(source)) return headers;
  for (const [name, value] of Object.entries(source)) {
    if (typeof value === "string") headers[name.toLowerCase()] = value;
    else if (typeof value === "number") headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.map(String);
  }
  return headers;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const root = `${options.baseUrl.origin}${options.baseUrl.pathname.replace(/\/+$/, "")}`;
  const prefix = `/stores/${encodeURIComponent(options.storeHash)}/v2`;
  const secret = options.accessToken;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const instance = axios.create({
    // Memory stays bounded whatever the server sends: axios stops reading past the cap and fails.
    maxContentLength: maxBytes,
    maxBodyLength: MAX_RESPONSE_BYTES,
    // Status handling is ours (bigcommerce.ts / retry-policy.ts).
    validateStatus: () => true,
    // A redirect would carry X-Auth-Token to wherever it points: never follow one.
    maxRedirects: 0,
    // Environment proxies are not honoured: the token goes only to the checked API URL.
    proxy: false,
    // Body text as is: we parse JSON ourselves to read error pages and to tell empty from invalid.
    responseType: "text",
    transformResponse: [(data: unknown) => data],
    transformRequest: [(data: unknown) => data],
  });

  function describePath(request: HttpRequest): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {}))
      params.set(name, String(value));
    const query = params.toString();
    return query === "" ? request.path : `${request.path}?${query}`;
  }

  async function send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const context: RequestContext = { method: request.method, path: describePath(request) };
    if (signal?.aborted) throw new RequestAbortedError(context);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const write = request.body !== undefined;
    try {
      const response = await instance.request<string>({
        method: request.method,
        url: `${root}${prefix}${context.path}`,
        headers: {
          "X-Auth-Token": secret,
          Accept: "application/json",
          "User-Agent": options.userAgent,
          ...(write ? { "Content-Type": "application/json" } : {}),
        },
        ...(write ? { data: JSON.stringify(request.body) } : {}),
        signal: controller.signal,
      });
      return {
        status: response.status,
        headers: flattenHeaders(response.headers),
        text: typeof response.data === "string" ? response.data : "",
      };
    } catch (error) {
      if (signal?.aborted) throw new RequestAbortedError(context);
      if (timedOut) throw new TimeoutError(context, options.timeoutMs);
      if (isTooLarge(error)) throw new ResponseTooLargeError(context, maxBytes);
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      throw new NetworkError(context, code, {
        cause: new TransportError(redact(message, secret), code),
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return { send, describePath };
}
