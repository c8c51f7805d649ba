/**
 * `inbox --notify URL` (issue 14): after each file, POST its JSON report to a webhook, with a
 * Slack-compatible `text` field (Slack incoming webhooks show `text`; the other fields ride along
 * for any other receiver). A failed notification is reported, never fatal: the file's own result
 * is what counts, and it is already on disk.
 */
import { isLoopbackHost } from "../api/url.js";
import { UsageError } from "../errors.js";

/** A webhook that does not answer within this time is given up on (the next file waits for it). */
export const NOTIFY_TIMEOUT_MS = 5_000;

const WHERE = "--notify";

/** What a message may show of a webhook URL: scheme and host. Its path and query are often the secret. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Checks a --notify URL before anything is processed: https, or http for 127.0.0.0/8, localhost
 * and ::1 only, the rule of the API URL (src/api/url.ts): a webhook URL usually carries its
 * secret in the path. No user name or password in it (it would be printed nowhere, but sent in clear
 * to a redirect; use a token in the path as Slack does).
 * @throws UsageError naming --notify (never the URL's path or query).
 */
export function checkNotifyUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new UsageError(
      `${WHERE}: not a valid URL; expected e.g. https://hooks.slack.com/services/…`,
    );
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new UsageError(`${WHERE}: the URL must not contain a user name or password`);
  }
  if (parsed.protocol === "http:") {
    if (!isLoopbackHost(parsed.hostname)) {
      throw new UsageError(
        `${WHERE}: ${shownUrl(parsed)} uses http; only https is allowed (http only for 127.0.0.1, localhost or ::1)`,
      );
    }
  } else if (parsed.protocol !== "https:") {
    throw new UsageError(`${WHERE}: unsupported protocol ${parsed.protocol}; use https`);
  }
  return parsed;
}

/** Why a notification was not delivered: for a stderr warning, never the URL's path. */
export class NotifyFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotifyFailure";
  }
}

/**
 * POSTs `body` as JSON. Resolves when the receiver answered 2xx; rejects with NotifyFailure
 * otherwise (an error answer, a redirect, which is never followed, no answer within
 * `timeoutMs`, or a network error). `signal` cancels it too.
 */
export async function postNotification(
  url: URL,
  body: Readonly<Record<string, unknown>>,
  options: { readonly timeoutMs?: number; readonly userAgent?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.userAgent ? { "user-agent": options.userAgent } : {}),
      },
      body: JSON.stringify(body),
      // A redirect could lead a webhook's payload to plain http elsewhere: never followed.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") {
      throw new NotifyFailure(`${shownUrl(url)} did not answer within ${timeoutMs / 1000} s`);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new NotifyFailure(
      `${shownUrl(url)} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`,
    );
  }
  // The body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) {
    throw new NotifyFailure(`${shownUrl(url)} answered HTTP ${response.status}`);
  }
}
