import { UsageError } from "../errors.js";

/**
 * Hosts that may be reached over plain http: the loopback interface only (the sandbox store and
 * test servers). Anything else must be https, because every request carries the store's access token.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  // WHATWG URL normalises IPv4 hosts (e.g. 127.1 → 127.0.0.1), so a dotted-quad test suffices.
  const octets = hostname.split(".");
  return (
    octets.length === 4 &&
    octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

const WHERE = "BIGCOMMERCE_API_URL / --api-url";

/**
 * Checks the API base URL before any request is made and returns it parsed.
 * Only https is accepted, except loopback hosts (127.0.0.0/8, localhost, ::1), which may use http.
 * Credentials, query strings and fragments are refused: the tool appends `/stores/{hash}/v2/...`.
 * @throws UsageError naming BIGCOMMERCE_API_URL / --api-url.
 */
export function checkApiUrl(url: string | URL): URL {
  let parsed: URL;
  // Parsed once, where the credentials are loaded; a URL given as one is only checked.
  if (url instanceof URL) parsed = url;
  else {
    try {
      parsed = new URL(url.trim());
    } catch {
      throw new UsageError(`${WHERE}: not a valid URL; expected e.g. https://api.bigcommerce.com`);
    }
  }
  // Never echo user:password@ back in a message; it may be a secret.
  if (parsed.username !== "" || parsed.password !== "") {
    throw new UsageError(`${WHERE}: the URL must not contain a user name or password`);
  }
  const shown = `${parsed.protocol}//${parsed.host}`;
  if (parsed.protocol === "http:") {
    if (!isLoopbackHost(parsed.hostname)) {
      throw new UsageError(
        `${WHERE}: ${shown} uses http; only https is allowed (http only for 127.0.0.1, localhost or ::1)`,
      );
    }
  } else if (parsed.protocol !== "https:") {
    throw new UsageError(`${WHERE}: unsupported protocol ${parsed.protocol}; use https`);
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    throw new UsageError(`${WHERE}: the URL must not contain a query string or fragment`);
  }
  return parsed;
}
