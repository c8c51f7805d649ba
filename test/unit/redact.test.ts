// Issue "Hostile or broken answers", items 8 and 9: the access token as a server could echo it
// (any case, URL-encoded, base64, inside a longer encoded value) is redacted; an error page's
// excerpt reads a bounded prefix in linear time, whatever the page holds.
import { describe, expect, it } from "vitest";
import {
  BODY_EXCERPT_CHARS,
  EXCERPT_INPUT_CHARS,
  excerptBody,
  readErrorBody,
  statusError,
} from "../../src/api/client.js";
import { HttpStatusError } from "../../src/api/errors.js";
import { REDACTED, redactSecret, redactValue } from "../../src/api/secret.js";

/** Has characters that URL-encoding changes, and letters whose case a server may change. */
const TOKEN = "tok+Se/cr=t_7f3a9c1e5b";
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("redactSecret", () => {
  it.each([
    ["as is", TOKEN],
    ["upper-cased", TOKEN.toUpperCase()],
    ["lower-cased", TOKEN.toLowerCase()],
    ["URL-encoded", encodeURIComponent(TOKEN)],
    [
      "URL-encoded, lower-case hex",
      encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
    ["URL-encoded and upper-cased", encodeURIComponent(TOKEN).toUpperCase()],
    ["base64", b64(TOKEN)],
    ["base64url", b64url(TOKEN)],
  ])("replaces the token %s", (_, form) => {
    expect(redactSecret(`before ${form} after`, TOKEN)).toBe(`before ${REDACTED} after`);
  });

  it.each([0, 1, 2, 3, 4, 5])(
    "finds the token base64-encoded after %i other bytes, followed by others",
    (offset) => {
      for (const suffix of ["", "x", "yz", ":more"]) {
        const encoded = b64(`${"u".repeat(offset)}${TOKEN}${suffix}`);
        const out = redactSecret(encoded, TOKEN);
        // What is left around the replacement encodes only the bytes before and after the token.
        const [before = "", after = ""] = out.split(REDACTED);
        expect(out).toContain(REDACTED);
        expect(before.length).toBeLessThanOrEqual(Math.ceil((offset * 4) / 3) + 1);
        expect(after.replace(/=+$/, "").length).toBeLessThanOrEqual(
          Math.ceil((suffix.length * 4) / 3) + 1,
        );
      }
    },
  );

  it("finds a Basic credential made of the token", () => {
    const header = `Basic ${b64(`user:${TOKEN}`)}`;
    expect(redactSecret(header, TOKEN)).toMatch(/^Basic .{0,8}\[REDACTED\].{0,2}$/);
  });

  it("leaves other text alone, and an empty secret changes nothing", () => {
    const text = "The quantity requested is greater than the quantity available to ship";
    expect(redactSecret(text, TOKEN)).toBe(text);
    expect(redactSecret(text, "")).toBe(text);
  });

  it("redacts every form in a long text (linear: one pass per form)", () => {
    const forms = [TOKEN, TOKEN.toUpperCase(), encodeURIComponent(TOKEN), b64(TOKEN)];
    const text = Array.from({ length: 20_000 }, (_, i) => `${forms[i % 4]} `).join("");
    const out = redactSecret(text, TOKEN);
    expect(out.split(REDACTED)).toHaveLength(20_001);
  });

  it("redactValue walks strings and keys, and leaves other values as they are", () => {
    const value = {
      [TOKEN]: [`x ${TOKEN.toUpperCase()}`, 3, null, { nested: b64(TOKEN) }],
      quote: `a "${TOKEN}"`,
    };
    expect(redactValue(value, TOKEN)).toEqual({
      [REDACTED]: [`x ${REDACTED}`, 3, null, { nested: REDACTED }],
      quote: `a "${REDACTED}"`,
    });
  });
});

describe("statusError redacts the echoed token from message and details", () => {
  it("a V2 error array echoing the token in several forms", () => {
    const body = JSON.stringify([
      {
        status: 422,
        message: `Invalid ${TOKEN.toUpperCase()} / ${encodeURIComponent(TOKEN)}`,
        details: { token: b64(TOKEN), raw: TOKEN },
      },
    ]);
    const error = statusError(
      { method: "PUT", path: "/orders/1" },
      { status: 422, headers: {}, text: body },
      TOKEN,
    );
    expect(error).toBeInstanceOf(HttpStatusError);
    const text = `${error.message} ${JSON.stringify((error as HttpStatusError).details)}`;
    for (const form of [TOKEN, TOKEN.toUpperCase(), encodeURIComponent(TOKEN), b64(TOKEN)]) {
      expect(text.includes(form)).toBe(false);
    }
    expect((error as HttpStatusError).details).toEqual({ token: REDACTED, raw: REDACTED });
  });
});

describe("excerptBody (a hostile page costs linear time, and only its start is read)", () => {
  it("a 1 MB page of '<' gives a bounded excerpt of the page's start", () => {
    const page = "<".repeat(1_000_000);
    expect(excerptBody(page)).toBe(`${"<".repeat(BODY_EXCERPT_CHARS - 1)}…`);
    expect(readErrorBody(page)).toEqual({ apiMessage: `${"<".repeat(BODY_EXCERPT_CHARS - 1)}…` });
  });

  it.each([
    ["'<a' repeated", "<a".repeat(500_000)],
    ["'<script' repeated", "<script>".repeat(200_000)],
    ["'<title' repeated", "<title".repeat(200_000)],
    ["'<style><' repeated", "<style><".repeat(200_000)],
  ])("%s: an excerpt no longer than the limit", (_, page) => {
    const excerpt = excerptBody(page);
    expect(excerpt.length).toBeLessThanOrEqual(BODY_EXCERPT_CHARS);
  });

  it("ignores what comes after the first EXCERPT_INPUT_CHARS characters", () => {
    const late = `${" ".repeat(EXCERPT_INPUT_CHARS)}<title>Late</title>`;
    expect(excerptBody(late)).toBe("");
  });

  it("keeps reading gateway pages: title, tags stripped, script and style dropped", () => {
    expect(
      excerptBody(
        '<html><head><TITLE lang="en">502 Bad Gateway</TITLE></head><body>x</body></html>',
      ),
    ).toBe("502 Bad Gateway");
    expect(
      excerptBody(
        "<html><style>p{color:red}</style><script>var a = 1 < 2;</script><p>Service <b>unavailable</b></p></html>",
      ),
    ).toBe("Service unavailable");
    expect(excerptBody("upstream said: a < b and c")).toBe("upstream said: a < b and c");
    expect(excerptBody("<p>open <script>never closed")).toBe("open never closed");
    expect(excerptBody(`<p>${"word ".repeat(100)}</p>`)).toHaveLength(BODY_EXCERPT_CHARS);
  });
});
