/**
 * Issue 16, the run report, looked at as a person would: the built CLI runs a file against the
 * sandbox store with a small quota (several windows) and `--report`, then a real headless
 * Chromium (test/helpers/browser.ts) opens the page from a file:// URL. The page's tiles, error
 * groups and chart must agree with the results file and the store, it must load nothing but
 * itself, and a screenshot is kept in test-artifacts/report.png.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestLogEntry } from "../../src/sandbox/index.js";
import { launchBrowser } from "../helpers/browser.js";
import {
  checkInvariants,
  orderRows,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

/**
 * The sandbox's fixed windows, rebuilt from its log: a window starts with the first request after
 * the previous one ended (src/sandbox/rate-limit.ts). Returns the requests of each window.
 */
function requestsPerWindow(log: readonly RequestLogEntry[], windowMs: number): number[] {
  const counts: number[] = [];
  let start = Number.NEGATIVE_INFINITY;
  for (const entry of [...log].sort((a, b) => a.t - b.t)) {
    if (entry.t >= start + windowMs) {
      start = entry.t;
      counts.push(0);
    }
    counts[counts.length - 1] = (counts.at(-1) ?? 0) + 1;
  }
  return counts;
}

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the HTML run report in a real browser", () => {
  it("shows what the results file holds, draws one bar per quota window, loads nothing", async () => {
    // Each window fills in well under its length (the gate only waits for the next), so every
    // window ends with a pause the report can see, even on a loaded machine.
    const windowMs = 1000;
    const sandbox = await startE2eSandbox({
      quota: 10,
      windowMs,
      seed: { generate: { orders: 9 } },
    });
    const dir = await tempDir();
    const { header, rows } = orderRows(9, "mixed");
    const inputRows = [
      ...rows,
      ["999", "10", "", "", "", "", ""], // failed: no such order
      ["998", "10", "", "", "", "", ""],
      ["abc", "10", "", "", "", "", ""], // invalid: not an order id
      ["100001", "<script>document.title='pwned'</script>", "", "", "", "", ""], // invalid, hostile
    ];
    const input = await writeCsv(join(dir, "orders.csv"), header, inputRows);
    const report = join(dir, "report.html");
    const run = await runCli([input, "--report", report, "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(1); // some rows failed
    const summary = JSON.parse(run.stdout) as { totals_changed: number };

    const results = await readResults(join(dir, "orders.results.csv"));
    checkInvariants({ inputRows: inputRows.length, results, sandbox, run });
    const count = (result: string) => results.rows.filter((row) => row.result === result).length;
    const byCode = new Map<string, number>();
    for (const row of results.rows) {
      const code = row.error_code ?? "";
      if (code !== "") byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    expect(count("updated")).toBeGreaterThan(0);
    expect(count("failed")).toBeGreaterThan(0);
    expect(count("invalid")).toBeGreaterThan(0);

    const page = await (browser as Browser).newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const url = pathToFileURL(report).href;
    await page.goto(url, { waitUntil: "load" });

    // Nothing but the page itself: no font, image, style or script from anywhere.
    expect(requested).toEqual([url]);
    // The hostile status stayed text: no script element, the title untouched.
    expect(await page.$$eval("script", (nodes) => nodes.length)).toBe(0);
    expect(await page.title()).not.toContain("pwned");
    expect(await page.$eval("body", (body) => body.textContent ?? "")).toContain(
      "<script>document.title='pwned'</script>",
    );

    const tiles = Object.fromEntries(
      await page.$$eval("[data-tile]", (nodes) =>
        nodes.map((node) => [
          node.getAttribute("data-tile"),
          Number((node.querySelector(".tile-value")?.textContent ?? "").replace(/\D/g, "")),
        ]),
      ),
    ) as Record<string, number>;
    expect(tiles).toEqual({
      rows: results.rows.length,
      updated: count("updated"),
      unchanged: count("unchanged"),
      failed: count("failed"),
      invalid: count("invalid"),
      needs_review: count("needs_review"),
      not_attempted: count("not_attempted"),
      shipments_created: results.rows.filter((row) =>
        (row.fields_updated ?? "").split(";").includes("shipment_created"),
      ).length,
      totals_recalculated: summary.totals_changed,
    });
    expect(tiles.shipments_created).toBe(sandbox.store.createdShipments().length);

    const groups = Object.fromEntries(
      await page.$$eval("[data-code]", (nodes) =>
        nodes.map((node) => [
          node.getAttribute("data-code"),
          Number((node.querySelector(".count")?.textContent ?? "").replace(/\D/g, "")),
        ]),
      ),
    );
    expect(groups).toEqual(Object.fromEntries(byCode));

    // The chart: one drawn bar per window, together every request the store answered.
    const bars = await page.$$eval("svg.requests-chart g.window", (nodes) =>
      nodes.map((node) => {
        const box = node.querySelector("rect.bar")?.getBoundingClientRect();
        return {
          requests: Number(node.getAttribute("data-requests")),
          rateLimited: Number(node.getAttribute("data-rate-limited")),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
        };
      }),
    );
    expect(await page.$$eval("svg.requests-chart rect.bar", (nodes) => nodes.length)).toBe(
      bars.length,
    );
    const answered = sandbox.stats().requestLog.length;
    expect(bars.reduce((sum, bar) => sum + bar.requests, 0)).toBe(answered);
    expect(bars.map((bar) => bar.requests)).toEqual(
      requestsPerWindow(sandbox.stats().requestLog, windowMs),
    );
    // The quota (10 per window) cannot carry them in fewer windows, nor more in one window.
    expect(bars.length).toBeGreaterThanOrEqual(Math.max(2, Math.ceil(answered / 10)));
    for (const bar of bars) {
      expect(bar.requests - bar.rateLimited).toBeLessThanOrEqual(10);
      expect(bar.width).toBeGreaterThan(0);
      if (bar.requests > 0) expect(bar.height).toBeGreaterThan(0);
    }

    const artifacts = join(REPO_ROOT, "test-artifacts");
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    await page.close();
    // The token never reaches the page.
    expect(await readFile(report, "utf8")).not.toContain(sandbox.env.BIGCOMMERCE_ACCESS_TOKEN);
  });
});

/** The tiles' numbers, read from the page's text (no browser needed for these). */
function tilesOf(html: string): Record<string, number> {
  return Object.fromEntries(
    [
      ...html.matchAll(/data-tile="([a-z_]+)"[^>]*><span class="tile-value" data-value="(\d+)">/g),
    ].map((m) => [m[1] as string, Number(m[2])]),
  );
}

describe("--report at the command line", () => {
  it("writes the report when the run is interrupted, with the rows not attempted", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 40 } }, latencyMs: 20 });
    const dir = await tempDir();
    const { header, rows } = orderRows(40, "status");
    const input = await writeCsv(join(dir, "orders.csv"), header, rows);
    const report = join(dir, "report.html");
    const cli = spawnCli([input, "--report", report, "--concurrency", "2", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    await waitUntil(() => {
      if (sandbox.stats().writesApplied < 3) return false;
      cli.child.kill("SIGINT");
      return true;
    });
    const run = await cli.result;
    expect(run.code).toBe(130);
    const results = await readResults(join(dir, "orders.results.csv"));
    const html = await readFile(report, "utf8");
    expect(html).toContain('data-status="stopped"');
    const tiles = tilesOf(html);
    expect(tiles.rows).toBe(40);
    expect(tiles.not_attempted).toBe(
      results.rows.filter((r) => r.result === "not_attempted").length,
    );
    expect(tiles.not_attempted).toBeGreaterThan(0);
    expect(tiles.updated).toBe(results.rows.filter((r) => r.result === "updated").length);
  });

  it("refuses a report path that is one of the run's own files, before anything is sent", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 2 } } });
    const dir = await tempDir();
    const { header, rows } = orderRows(2, "status");
    const input = await writeCsv(join(dir, "orders.csv"), header, rows);
    for (const target of [input, join(dir, "orders.results.csv")]) {
      const run = await runCli([input, "--report", target], { env: sandboxEnv(sandbox) });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("[E_USAGE]");
    }
    expect(sandbox.stats().requests).toBe(0);
    expect(existsSync(join(dir, "orders.results.csv"))).toBe(false);
  });

  it("validate --report: an offline report, no store, no requests", async () => {
    const dir = await tempDir();
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "status_id"],
      [
        ["1", "10"],
        ["x", "10"],
      ],
    );
    const report = join(dir, "check.html");
    const run = await runCli(["validate", input, "--report", report, "--quiet"]);
    expect(run.code).toBe(1);
    const html = await readFile(report, "utf8");
    expect(tilesOf(html)).toMatchObject({ rows: 2, valid: 1, invalid: 1 });
    expect(html).not.toContain('class="bar"');
    expect(html).toContain('data-code="E_NOT_INTEGER" data-count="1"');
  });
});
