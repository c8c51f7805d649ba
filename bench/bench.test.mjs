import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  countVerdicts,
  figure,
  formatMarkdownTable,
  formatResults,
  formatTable,
  verdict,
} from "./format-report.mjs";
import { latencyEfficiency, measureQuotaUse, splitWindows } from "./measure-quota-use.mjs";
import { childEnv, lastJson, readUsage } from "./run-child.mjs";
import { writeKindFile, writeValidateFile } from "./write-inputs.mjs";

/** `count` log entries from `t`, `step` ms apart. */
const entries = (t, count, { step = 1, status = 200, route = "order_put" } = {}) =>
  Array.from({ length: count }, (_, i) => ({ t: t + i * step, status, route }));

describe("splitWindows", () => {
  it("starts a window at the first arrival at or after the previous start + windowMs", () => {
    const log = [0, 10, 999, 1000, 1500, 2100, 3099, 3100].map((t) => ({ t }));
    const windows = splitWindows(log, 1000);
    expect(windows.map((window) => [window.start, window.entries.length])).toEqual([
      [0, 3],
      [1000, 2],
      [2100, 2],
      [3100, 1],
    ]);
  });

  it("sorts by arrival first (the log is in completion order)", () => {
    const windows = splitWindows([{ t: 1200 }, { t: 5 }, { t: 700 }], 1000);
    expect(windows.map((window) => window.start)).toEqual([5, 1200]);
  });
});

describe("measureQuotaUse", () => {
  // Two full windows of quota 100 (100 served; 98 served + 2 × 429), 50 ms gaps, a partial last one.
  const log = [
    ...entries(0, 100),
    ...entries(1050, 98),
    ...entries(1200, 2, { status: 429 }),
    ...entries(2100, 10),
  ];

  it("averages served requests over full windows only, and counts 429s over the whole run", () => {
    const use = measureQuotaUse(log, { quota: 100, windowMs: 1000 });
    expect(use.fullWindows).toBe(2);
    expect(use.windows).toBe(3);
    expect(use.servedPerWindow).toBe(99);
    expect(use.minServed).toBe(98);
    expect(use.perWindow).toBeCloseTo(0.99);
    expect(use.requests).toBe(210);
    expect(use.rateLimited).toBe(2);
    expect(use.share429).toBeCloseTo(2 / 210);
    expect(use.meanGapMs).toBe(50);
    // 198 served in the 2100 ms the two full windows took (gaps included).
    expect(use.overTime).toBeCloseTo(198 / (2.1 * 100));
  });

  it("divides by quota − reserve", () => {
    const use = measureQuotaUse(log, { quota: 125, windowMs: 1000, reserve: 25 });
    expect(use.perWindow).toBeCloseTo(0.99);
    expect(use.storePerWindow).toBeCloseTo(99 / 125);
  });

  it("tells the tool's requests from another app's", () => {
    const mixed = [
      ...entries(0, 70),
      ...entries(500, 30, { route: "orders" }),
      ...entries(1000, 60),
      ...entries(1500, 30, { route: "orders" }),
      ...entries(1600, 10, { route: "orders", status: 429 }),
      ...entries(2000, 5),
    ];
    const use = measureQuotaUse(mixed, {
      quota: 100,
      windowMs: 1000,
      isTool: (entry) => entry.route !== "orders",
    });
    expect(use.servedPerWindow).toBe(65);
    expect(use.otherServedPerWindow).toBe(30);
    expect(use.storePerWindow).toBeCloseTo(0.95);
    expect(use.rateLimited).toBe(0);
    expect(use.otherRequests).toBe(70);
    expect(use.otherRateLimited).toBe(10);
  });

  it("gives NaN ratios, not a pass, when no window is complete", () => {
    const use = measureQuotaUse(entries(0, 10), { quota: 100, windowMs: 1000 });
    expect(use.fullWindows).toBe(0);
    expect(use.perWindow).toBeNaN();
    expect(verdict(use.perWindow, { min: 0.9 })).toBe("missed");
  });
});

describe("latencyEfficiency", () => {
  it("compares rows/s with concurrency ÷ (latency × requests per row)", () => {
    expect(latencyEfficiency(40, { concurrency: 1, latencyMs: 20 })).toEqual({
      ideal: 50,
      ratio: 0.8,
    });
    const shipments = latencyEfficiency(40, { concurrency: 4, latencyMs: 20, requestsPerRow: 5 });
    expect(shipments.ideal).toBeCloseTo(40);
    expect(shipments.ratio).toBeCloseTo(1);
  });
});

describe("verdict", () => {
  it.each([
    [0.9, { min: 0.9 }, "met"],
    [0.899, { min: 0.9 }, "missed"],
    [0.02, { max: 0.02 }, "met"],
    [0.021, { max: 0.02 }, "missed"],
    [Number.NaN, { max: 0.02 }, "missed"],
    [Number.POSITIVE_INFINITY, { min: 0.5 }, "missed"],
    [0.3, undefined, "-"],
  ])("%s against %o is %s", (ratio, target, expected) => {
    expect(verdict(ratio, target)).toBe(expected);
  });
});

describe("report", () => {
  const rows = [
    figure("1a", "quota use", "100 of 100", 1, { min: 0.9 }),
    figure("4", "validate | bare", "2 s", 0.3, { min: 0.5 }),
    figure("5a", "naive", "5 s", 1.6, undefined),
  ];

  it("counts verdicts, leaving out figures without a target", () => {
    expect(countVerdicts(rows)).toEqual({ met: 1, missed: 1, targets: 2 });
  });

  it("renders one line per figure, and escapes pipes in Markdown", () => {
    const text = formatTable(rows).split("\n");
    expect(text).toHaveLength(2 + rows.length);
    expect(text[2]).toMatch(/^1a\s+quota use\s+1\.000\s+>= 0\.9\s+met\s+100 of 100$/);
    const markdown = formatMarkdownTable(rows).split("\n");
    expect(markdown[1]).toMatch(/^\| --- \| -{16} \| -{5} \| -{6} \| -{6} \| -{19} \|$/);
    expect(markdown[3]).toContain("validate \\| bare");
    expect(markdown[3]).toContain("| missed |");
    expect(markdown[4]).toContain("| 1.600 | -      | -      |");
    expect(new Set(markdown.map((line) => line.length)).size).toBe(1);
  });

  it("puts the machine, the date and the verdict count in RESULTS.md", () => {
    const text = formatResults({
      machine: {
        date: "2026-01-02T03:04:05Z",
        cpu: "Test CPU",
        cores: 2,
        memoryGiB: 4,
        node: "v20.0.0",
        os: "Linux",
      },
      command: "npm run bench",
      scale: "full",
      settings: ["quota 100 per 2000 ms"],
      rows,
      sections: [{ id: "1", title: "1. Quota use", intro: "How.", items: ["1a: fine"] }],
      elapsedS: 42,
    });
    expect(text).toContain("- Date: 2026-01-02T03:04:05Z");
    expect(text).toContain("- CPU: Test CPU, 2 cores");
    expect(text).toContain("- Node: v20.0.0");
    expect(text).toContain("1 of 2 targets met, 1 missed");
    expect(text).toContain("\n### 1. Quota use\n\nHow.\n\n- 1a: fine\n");
    expect(text.endsWith("fine\n")).toBe(true);
  });
});

describe("run-child helpers", () => {
  it("finds the last JSON object line of stdout", () => {
    expect(lastJson('noise\n{"rows":1}\n{"rows":2}\ntrailing text\n')).toEqual({ rows: 2 });
    expect(lastJson("no json here")).toBeUndefined();
  });

  it("reads peak RSS and CPU time from GNU time's report and from the preload's line", () => {
    const gnu = [
      '\tCommand being timed: "node dist/cli.js validate x.csv"',
      "\tUser time (seconds): 8.75",
      "\tSystem time (seconds): 0.63",
      "\tMaximum resident set size (kbytes): 163372",
    ].join("\n");
    expect(readUsage(gnu)).toEqual({ maxRssKiB: 163372, cpuMs: 9380 });
    expect(readUsage("46724 58.5\n")).toEqual({ maxRssKiB: 46724, cpuMs: 58.5 });
    expect(readUsage("")).toEqual({ maxRssKiB: undefined, cpuMs: undefined });
  });

  it("keeps store settings and proxies of the parent away from children", () => {
    process.env.BIGCOMMERCE_ACCESS_TOKEN_BENCH_TEST = "secret";
    process.env.https_proxy_bench_test_proxy = "http://proxy.invalid";
    try {
      const env = childEnv({ BIGCOMMERCE_API_URL: "http://127.0.0.1:1" });
      expect(env.BIGCOMMERCE_ACCESS_TOKEN_BENCH_TEST).toBeUndefined();
      expect(env.https_proxy_bench_test_proxy).toBeUndefined();
      expect(env.BIGCOMMERCE_API_URL).toBe("http://127.0.0.1:1");
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.BIGCOMMERCE_ACCESS_TOKEN_BENCH_TEST;
      delete process.env.https_proxy_bench_test_proxy;
    }
  });
});

describe("inputs", () => {
  let dir;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bench-inputs-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one row per order id for each kind", async () => {
    const file = join(dir, "shipment.csv");
    await writeKindFile(file, "shipment_and_status", [100001, 100002]);
    const records = parse(await readFile(file), { columns: true });
    expect(records).toEqual([
      {
        order_id: "100001",
        tracking_number: "1ZBENCH100001",
        shipping_provider: "ups",
        status_id: "10",
      },
      {
        order_id: "100002",
        tracking_number: "1ZBENCH100002",
        shipping_provider: "ups",
        status_id: "10",
      },
    ]);
  });

  it("writes the offline file with the asked row count, quoted cells, one invalid row per thousand", async () => {
    const file = join(dir, "validate.csv");
    await writeValidateFile(file, 25_000);
    const records = parse(await readFile(file), { columns: true });
    expect(records).toHaveLength(25_000);
    expect(new Set(records.map((record) => record.order_id)).size).toBe(25_000);
    expect(records.filter((record) => record.status_id === "Bogus status")).toHaveLength(25);
    expect(records[1].staff_notes).toBe('Re-shipped, ticket 1 ("urgent")');
  });
});
