/**
 * Issue 16, the run report: the collector (bounded data from runBatch's callbacks) and the page
 * renderReport makes of it: well-formed, self-contained (nothing from the network, no script),
 * every value from the input or the store escaped, never the token.
 */
import { describe, expect, it } from "vitest";
import type { ApiEvent } from "../../src/api/bigcommerce.js";
import { CODES } from "../../src/codes.js";
import { esc, renderReport } from "../../src/output/report.js";
import {
  MAX_WINDOWS,
  NO_CODE,
  ReportCollector,
  type ReportContext,
  type ReportData,
  relativeHref,
} from "../../src/output/report-data.js";
import type { RunSummary } from "../../src/output/summarize.js";
import type { RowOutcome, RowResultState } from "../../src/types.js";

// ---- A small strict HTML check: every element closed in order, attributes quoted, text escaped ----

const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);
const ENTITY = /^&(?:amp|lt|gt|quot|#39|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;

/** Problems found in `html` (empty: well-formed as far as this check goes). */
function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  if (!html.startsWith("<!DOCTYPE html>")) problems.push("no <!DOCTYPE html> first");
  const stack: string[] = [];
  let at = "<!DOCTYPE html>".length;
  const checkAmpersands = (text: string, where: string) => {
    for (let i = text.indexOf("&"); i >= 0; i = text.indexOf("&", i + 1)) {
      if (!ENTITY.test(text.slice(i)))
        problems.push(`bare & in ${where}: ${text.slice(i, i + 20)}`);
    }
  };
  while (at < html.length) {
    const next = html.indexOf("<", at);
    const text = html.slice(at, next < 0 ? html.length : next);
    if (text.includes(">")) problems.push(`bare > in text: ${text.slice(0, 40)}`);
    checkAmpersands(text, "text");
    if (next < 0) break;
    const rest = html.slice(next);
    if (rest.startsWith("<!--")) {
      const end = rest.indexOf("-->");
      if (end < 0) problems.push("unclosed comment");
      at = next + (end < 0 ? rest.length : end + 3);
      continue;
    }
    const close = /^<\/([a-zA-Z][a-zA-Z0-9-]*)>/.exec(rest);
    if (close) {
      const name = (close[1] as string).toLowerCase();
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
      at = next + close[0].length;
      continue;
    }
    const tag =
      /^<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z_:][a-zA-Z0-9_:.-]*="[^"<>]*")*)\s*(\/?)>/.exec(rest);
    if (!tag) {
      problems.push(`bad tag: ${rest.slice(0, 60)}`);
      at = next + 1;
      continue;
    }
    const name = (tag[1] as string).toLowerCase();
    const attributes = [...(tag[2] as string).matchAll(/([a-zA-Z_:][a-zA-Z0-9_:.-]*)="([^"]*)"/g)];
    const names = attributes.map((a) => (a[1] as string).toLowerCase());
    if (new Set(names).size !== names.length) problems.push(`duplicate attribute in <${name}>`);
    for (const a of attributes) checkAmpersands(a[2] as string, `attribute ${a[1]}`);
    const selfClosing = tag[3] === "/";
    if (selfClosing && !VOID.has(name) && !stack.includes("svg")) {
      problems.push(`<${name} /> is not a void element outside svg`);
    }
    at = next + tag[0].length;
    if (name === "style" || name === "script") {
      const end = html.indexOf(`</${name}>`, at);
      if (end < 0) problems.push(`unclosed <${name}>`);
      at = end < 0 ? html.length : end + `</${name}>`.length;
      continue;
    }
    if (!selfClosing && !VOID.has(name)) stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(" > ")}`);
  return problems;
}

/** Every URL the page refers to: href= and src= values, and CSS url(…). */
function urlsOf(html: string): string[] {
  return [
    ...[...html.matchAll(/\s(?:href|src|xlink:href|action|poster|srcset)="([^"]*)"/gi)].map(
      (m) => m[1] as string,
    ),
    ...[...html.matchAll(/url\(\s*['"]?([^'")]*)/gi)].map((m) => m[1] as string),
  ];
}

// ---- Fixtures ----

function outcome(
  index: number,
  result: RowResultState,
  extra: Partial<RowOutcome> = {},
): RowOutcome {
  return {
    index,
    line: index + 1,
    orderId: 100 + index,
    result,
    fieldsUpdated: [],
    ...extra,
  } as RowOutcome;
}

function summaryOf(rows: number, failed: number, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    rows,
    succeeded: rows - failed,
    failed,
    byResult: {},
    shipmentsCreated: 0,
    totalsChanged: 0,
    requests: 0,
    rateLimited: 0,
    retries: 0,
    elapsedMs: 12_000,
    stopReason: undefined,
    resultsFile: "/data/out/orders.results.csv",
    failedFile: "/data/out/orders.results.failed.csv",
    ...extra,
  } as RunSummary;
}

function context(extra: Partial<ReportContext> = {}): ReportContext {
  return {
    version: "0.0.0-test",
    command: "run",
    input: "/data/orders.csv",
    storeHashes: ["abc123"],
    flags: { dryRun: false, resume: false, concurrency: 4, reserve: undefined },
    reportPath: "/data/out/report.html",
    summary: summaryOf(6, 4),
    ...extra,
  };
}

/** A clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    at: (ms: number) => {
      t = start + ms;
    },
  };
}

const response = (ms: number, status = 200): ApiEvent => ({
  type: "response",
  method: "GET",
  path: "/orders/1",
  status,
  ms,
  attempt: 1,
});

function sampleData(options: { redact?: (text: string) => string } = {}): ReportData {
  const time = clock();
  const collector = new ReportCollector({ now: time.now, ...options });
  const rows: RowOutcome[] = [
    outcome(1, "updated", { shipmentCreated: true, fieldsUpdated: ["shipment_created"] }),
    outcome(2, "unchanged"),
    outcome(3, "failed", { errorCode: "E_ORDER_NOT_FOUND", error: "order 103 not found" }),
    outcome(4, "failed", { errorCode: "E_ORDER_NOT_FOUND", error: "<script>alert(1)</script>" }),
    outcome(5, "invalid", { errorCode: "E_EMAIL", error: 'billing_email "a&b" is not an e-mail' }),
    outcome(6, "needs_review", { errorCode: "E_TIMEOUT", error: "timed out" }),
  ];
  rows.forEach((row, i) => {
    time.at(i * 100);
    collector.onRow(row);
  });
  return collector.build(context());
}

describe("renderReport: a page that opens anywhere", () => {
  it("is well-formed HTML", () => {
    expect(htmlProblems(renderReport(sampleData()))).toEqual([]);
  });

  it("the checker itself catches what it is for", () => {
    expect(htmlProblems("<!DOCTYPE html><html><body><p>a & b</p></body></html>")).not.toEqual([]);
    expect(htmlProblems("<!DOCTYPE html><html><body><p><b>x</p></b></body></html>")).not.toEqual(
      [],
    );
    expect(htmlProblems("<!DOCTYPE html><html><body><div /></body></html>")).not.toEqual([]);
    expect(htmlProblems("<!DOCTYPE html><html><body><p>x</p></body></html>")).toEqual([]);
  });

  it("loads nothing from the network and runs no script: every link is relative", () => {
    const html = renderReport(sampleData());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//i);
    const urls = urlsOf(html);
    expect(urls.length).toBeGreaterThan(0); // the links to the results file
    for (const url of urls) {
      expect(url).not.toMatch(/^[a-z][a-z0-9+.-]*:/i); // no scheme: http:, file:, data:, javascript:
      expect(url).not.toMatch(/^\/\//); // no protocol-relative
      expect(url).not.toMatch(/^\//); // no absolute path
    }
    // The Content-Security-Policy forbids any load and any script even if something slipped in.
    expect(html).toMatch(
      /http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;|default-src 'none'/,
    );
  });

  it("escapes every value from the input or the store: <script> in an error is text", () => {
    const time = clock();
    const collector = new ReportCollector({ now: time.now });
    collector.onRow(
      outcome(1, "failed", {
        errorCode: "E_<img src=x onerror=alert(1)>",
        error: "<script>alert(1)</script> & more",
      }),
    );
    const html = renderReport(
      collector.build(
        context({
          input: "/data/<b>orders</b>.csv",
          storeHashes: ['h"ash<i>'],
          summary: summaryOf(1, 1, { resultsFile: "/data/out/a <b>.csv" }),
        }),
      ),
    );
    expect(htmlProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain("<b>orders</b>");
    expect(html).not.toContain("<i>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
    expect(html).toContain("&lt;b&gt;orders&lt;/b&gt;");
    // The link to a results file with odd characters is percent-encoded.
    expect(html).toContain('href="a%20%3Cb%3E.csv#row=2"');
  });

  it("control characters (never valid HTML) become U+FFFD", () => {
    expect(esc("a\u0000b\u001bc\td\ne")).toBe("a\uFFFDb\uFFFDc\td\ne");
  });

  it("never shows the access token: the collector redacts every text it keeps", () => {
    const canary = "canary-token-0123456789abcdef";
    const previous = process.env.BIGCOMMERCE_ACCESS_TOKEN;
    process.env.BIGCOMMERCE_ACCESS_TOKEN = canary;
    try {
      const time = clock();
      const collector = new ReportCollector({
        now: time.now,
        redact: (text) => text.replaceAll(canary, "[REDACTED]"),
      });
      collector.onRow(
        outcome(1, "failed", { errorCode: "E_HTTP_STATUS", error: `token ${canary} refused` }),
      );
      const html = renderReport(
        collector.build(
          context({
            summary: summaryOf(1, 1, {
              stopReason: "credentials_rejected",
              stopError: { code: "E_CREDENTIALS_REJECTED", message: `rejected ${canary}` },
            }),
          }),
        ),
      );
      expect(html).not.toContain(canary);
      expect(html).toContain("token [REDACTED] refused");
    } finally {
      if (previous === undefined) delete process.env.BIGCOMMERCE_ACCESS_TOKEN;
      else process.env.BIGCOMMERCE_ACCESS_TOKEN = previous;
    }
  });
});

describe("the report's content", () => {
  it("tiles count every result", () => {
    const data = sampleData();
    expect(data.totals).toMatchObject({
      rows: 6,
      updated: 1,
      unchanged: 1,
      failed: 2,
      invalid: 1,
      needs_review: 1,
      not_attempted: 0,
      shipments_created: 1,
    });
    const html = renderReport(data);
    expect(html).toContain('data-tile="failed" title="');
    expect(html).toMatch(/data-tile="failed"[^>]*><span class="tile-value" data-value="2">/);
    expect(html).toMatch(/data-tile="needs_review"[^>]*><span class="tile-value" data-value="1">/);
  });

  it("shows already_shipped and conflict tiles only when the run has such rows", () => {
    expect(renderReport(sampleData())).not.toMatch(/data-tile="(already_shipped|conflict)"/);
    const time = clock();
    const collector = new ReportCollector({ now: time.now });
    collector.onRow(outcome(1, "already_shipped"));
    collector.onRow(outcome(2, "conflict", { errorCode: "E_CONFLICT", error: "changed since" }));
    const html = renderReport(collector.build(context()));
    expect(html).toMatch(
      /data-tile="already_shipped"[^>]*><span class="tile-value" data-value="1">/,
    );
    expect(html).toMatch(/data-tile="conflict"[^>]*><span class="tile-value" data-value="1">/);
  });

  it("groups failures by error code, largest first, with the code table's meaning and fix", () => {
    const data = sampleData();
    expect(data.failures.map((group) => [group.code, group.count])).toEqual([
      ["E_ORDER_NOT_FOUND", 2],
      ["E_EMAIL", 1],
      ["E_TIMEOUT", 1],
    ]);
    const html = renderReport(data);
    expect(html).toContain('data-code="E_ORDER_NOT_FOUND" data-count="2"');
    expect(html).toContain(esc(CODES.E_ORDER_NOT_FOUND.meaning));
    expect(html).toContain(esc(CODES.E_ORDER_NOT_FOUND.fix));
    // Row 3 (input line 4) links to record 4 of the results file beside the report.
    expect(html).toContain('href="orders.results.csv#row=4"');
  });

  it("keeps only the first rows of a code, however many rows there are", () => {
    const collector = new ReportCollector({ now: clock().now, rowsPerCode: 3 });
    for (let i = 1; i <= 50_000; i++) {
      collector.onRow(outcome(i, "invalid", { errorCode: "E_EMAIL", error: "x".repeat(2_000) }));
    }
    collector.onRow(outcome(50_001, "failed", { errorCode: "", error: "" })); // e.g. a resumed file's empty cell
    const data = collector.build(context({ summary: summaryOf(50_001, 50_001) }));
    const email = data.failures.find((group) => group.code === "E_EMAIL");
    expect(email?.count).toBe(50_000);
    expect(email?.rows.map((row) => row.index)).toEqual([1, 2, 3]);
    expect(email?.rows[0]?.error?.length).toBeLessThan(600);
    expect(data.failures.find((group) => group.code === NO_CODE)?.count).toBe(1);
    expect(renderReport(data)).toContain("49,997 more rows");
  });

  it("rebuilds quota windows from the store's pauses, one bar each", () => {
    const time = clock();
    const collector = new ReportCollector({ now: time.now });
    // Window 1: 5 requests, then the gate pauses 700 ms until the window ends at 1 000 ms.
    for (let i = 0; i < 5; i++) {
      time.at(50 + i * 50);
      collector.onApiEvent(response(20));
    }
    time.at(300);
    collector.onApiEvent({ type: "throttle", waitMs: 700, left: 1 });
    // Window 2: 4 requests, one answered 429 with headers (a wait to 2 100 ms).
    for (let i = 0; i < 4; i++) {
      time.at(1_050 + i * 50);
      collector.onApiEvent(response(20, i === 3 ? 429 : 200));
    }
    time.at(1_250);
    collector.onApiEvent({ type: "rate_limited", waitMs: 850, withHeaders: true });
    // Window 3: 2 requests, no pause.
    time.at(2_150);
    collector.onApiEvent(response(20));
    time.at(2_200);
    collector.onApiEvent(response(20));
    const data = collector.build(context());
    expect(data.windows.learned).toBe(true);
    expect(data.windows.list.map((w) => [w.requests, w.rateLimited, w.waits])).toEqual([
      [5, 0, 1],
      [4, 1, 1],
      [2, 0, 0],
    ]);
    const html = renderReport(data);
    expect(html.match(/<rect class="bar" /g)?.length).toBe(3);
    expect(html.match(/<rect class="bar-429" /g)?.length).toBe(1);
    expect(html.match(/<path class="wait" /g)?.length).toBe(2);
  });

  it("assumes BigCommerce's 30 s window when the run never paused", () => {
    const time = clock();
    const collector = new ReportCollector({ now: time.now });
    for (let s = 0; s < 70; s++) {
      time.at(s * 1000 + 10);
      collector.onApiEvent(response(10)); // sent at s seconds
    }
    const data = collector.build(context());
    expect(data.windows.learned).toBe(false);
    expect(data.windows.windowMs).toBe(30_000);
    expect(data.windows.list.map((w) => w.requests)).toEqual([30, 30, 10]);
  });

  it("stays bounded on a very long run: windows merged in pairs past MAX_WINDOWS", () => {
    const time = clock();
    const collector = new ReportCollector({ now: time.now, windowMs: 1000 });
    const windows = MAX_WINDOWS * 3;
    for (let w = 0; w < windows; w++) {
      time.at(w * 1000 + 10);
      collector.onApiEvent(response(5));
    }
    const data = collector.build(context());
    expect(data.windows.list.length).toBeLessThanOrEqual(MAX_WINDOWS + 1);
    expect(data.windows.list.reduce((sum, w) => sum + w.requests, 0)).toBe(windows);
    expect(data.windows.list.reduce((sum, w) => sum + w.windows, 0)).toBe(windows);
    expect(htmlProblems(renderReport(data))).toEqual([]);
  });

  it("counts rows per minute", () => {
    const time = clock();
    const collector = new ReportCollector({ now: time.now });
    for (const at of [0, 1_000, 59_000, 61_000, 185_000]) {
      time.at(at);
      collector.onRow(outcome(1, "updated"));
    }
    expect(collector.build(context()).rowsPerMinute).toEqual({
      bucketMs: 60_000,
      counts: [3, 1, 0, 1],
    });
  });

  it("says when the run stopped early", () => {
    const collector = new ReportCollector({ now: clock().now });
    collector.onRow(outcome(1, "updated"));
    collector.onRow(outcome(2, "not_attempted", { errorCode: "E_STOPPED", error: "stopped" }));
    const data = collector.build(
      context({ summary: summaryOf(2, 1, { stopReason: "interrupted" }) }),
    );
    expect(data.stop?.reason).toBe("interrupted");
    expect(renderReport(data)).toContain('data-status="stopped"');
  });

  it("shows the undo section only when an undo summary is given", () => {
    const collector = new ReportCollector({ now: clock().now });
    collector.onRow(outcome(1, "updated"));
    expect(renderReport(collector.build(context()))).not.toContain('class="undo"');
    const html = renderReport(
      collector.build(
        context({ undo: { file: "/data/orders.undo.csv", byField: { status_id: 12, "<x>": 1 } } }),
      ),
    );
    expect(html).toContain('class="undo"');
    expect(html).toContain("<code>status_id</code></td><td>12</td>");
    expect(html).toContain("&lt;x&gt;");
    expect(htmlProblems(html)).toEqual([]);
  });

  it("links relative to the report's folder, percent-encoded", () => {
    expect(relativeHref("/data/out", "/data/out/orders.results.csv")).toBe("orders.results.csv");
    expect(relativeHref("/data/reports", "/data/out/a b#1.csv")).toBe("../out/a%20b%231.csv");
  });
});
