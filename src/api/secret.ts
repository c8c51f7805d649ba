import { CredentialsError } from "../errors.js";

/**
 * The access token as a secret: how a loaded token is checked, and how every form in which a server
 * could echo it back is found in a text. The token itself never appears in an error of this module.
 */

/**
 * Shortest token accepted. BigCommerce API account tokens are about 30 characters; anything much
 * shorter is a placeholder or a typo, and redacting a 1-character "token" would garble every message
 * ("[REDACTED]he quantity…").
 */
export const MIN_TOKEN_LENGTH = 8;

/** What a token may contain: visible ASCII only (an HTTP header value), no spaces, no control characters. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * The token as it will be sent: surrounding whitespace removed (a file saved with a final newline,
 * `export TOKEN="… "`), which is what axios does to a header value anyway, so that redaction looks for
 * the value that actually goes out. Refuses, without quoting it, a token that is too short or holds
 * inner whitespace, control or non-ASCII characters.
 * @param where names the source for the message, e.g. "BIGCOMMERCE_ACCESS_TOKEN".
 * @throws CredentialsError E_ACCESS_TOKEN
 */
export function normalizeAccessToken(raw: string, where: string): string {
  const token = raw.trim();
  if (!TOKEN_CHARS.test(token)) {
    throw new CredentialsError(
      "E_ACCESS_TOKEN",
      token === ""
        ? `${where}: the access token is empty; expected the API account's access token (about 30 letters and digits)`
        : `${where}: the access token contains spaces, control or non-ASCII characters; expected the API account's access token as one word of letters and digits (copy it again from the store's API account)`,
    );
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new CredentialsError(
      "E_ACCESS_TOKEN",
      `${where}: the access token is ${token.length} characters long, too short for a BigCommerce access token (expected at least ${MIN_TOKEN_LENGTH}, usually about 30); copy it again from the store's API account`,
    );
  }
  return token;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The part of a base64 text that is the same wherever `secret` sits in the encoded data: encoded
 * after 0, 1 or 2 other bytes (alignment), cut where the characters also depend on the bytes
 * before or after it. So a token inside a longer encoded value (e.g. `Basic base64(user:token)`)
 * is found too.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  // The token encoded alone, whole (padding included): the usual form.
  const cores: string[] = [bytes.toString("base64"), bytes.toString("base64url")];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    // Characters made only of padding bytes, or of padding and token bits, are left out.
    const head = offset === 0 ? 0 : offset + 1;
    // The last character is incomplete unless the data ends on a 3-byte boundary.
    const tail = (offset + bytes.length) % 3 === 0 ? 0 : 1;
    const core = encoded.slice(head, encoded.length - tail);
    if (core.length >= MIN_TOKEN_LENGTH) {
      cores.push(core, core.replace(/\+/g, "-").replace(/\//g, "_")); // base64 and base64url
    }
  }
  return cores;
}

interface Redactor {
  /** Forms compared without regard to case: the token, and its URL-encoded forms. */
  readonly anyCase: RegExp | undefined;
  /** Base64 forms, case-sensitive. */
  readonly exact: RegExp | undefined;
}

/** Longest first, so that a form containing another never shows in part. */
function alternation(forms: Iterable<string>, flags: string): RegExp | undefined {
  const unique = [...new Set(forms)].filter((form) => form !== "");
  if (unique.length === 0) return undefined;
  unique.sort((a, b) => b.length - a.length);
  return new RegExp(unique.map(escapeRegExp).join("|"), flags);
}

function buildRedactor(secret: string): Redactor {
  return {
    // The token upper- or lower-cased by a server, and percent-encoded (hex digits in either case).
    anyCase: alternation(
      [
        secret,
        encodeURIComponent(secret),
        // RFC 3986 strict: also !'()* percent-encoded.
        encodeURIComponent(secret).replace(
          /[!'()*]/g,
          (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
        ),
      ],
      "gi",
    ),
    exact: alternation(base64Cores(secret), "g"),
  };
}

/** Redactors by secret: built once per token (a run has one token per store). */
const redactors = new Map<string, Redactor>();
const MAX_CACHED = 64;

function redactorFor(secret: string): Redactor {
  let redactor = redactors.get(secret);
  if (redactor === undefined) {
    if (redactors.size >= MAX_CACHED) redactors.clear();
    redactor = buildRedactor(secret);
    redactors.set(secret, redactor);
  }
  return redactor;
}

/** The replacement of every form of the secret. */
export const REDACTED = "[REDACTED]";

/**
 * Replaces every occurrence of `secret` in `text` by `[REDACTED]`: as is, in any letter case,
 * URL-encoded, and base64 (or base64url) encoded, also inside a longer encoded value. Linear in
 * the length of `text`. An empty secret changes nothing.
 */
export function redactSecret(text: string, secret: string): string {
  if (secret === "" || text === "") return text;
  const { anyCase, exact } = redactorFor(secret);
  let out = text;
  if (exact !== undefined) out = out.replace(exact, REDACTED);
  if (anyCase !== undefined) out = out.replace(anyCase, REDACTED);
  return out;
}

/** `value` with `secret` redacted from every string in it, keys included (details of an error body). */
export function redactValue(value: unknown, secret: string): unknown {
  if (secret === "") return value;
  if (typeof value === "string") return redactSecret(value, secret);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secret));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[redactSecret(key, secret)] = redactValue(item, secret);
    }
    return out;
  }
  return value;
}
