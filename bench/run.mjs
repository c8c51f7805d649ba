/**
 * `npm run bench` (issue 6): how close bc-order-batch gets to its limits, measured side by side in
 * one run against the sandbox store on 127.0.0.1, written to bench/RESULTS.md and to the "Latest
 * figures" of docs/benchmarks.md.
 *
 *   node bench/run.mjs [--scale full|quick] [--only quota,latency,requests,offline,naive] [--no-write]
 *
 * The tool runs as a child process (`node dist/cli.js … --json --quiet`), exactly as users run it;
 * the sandbox runs in this process, so its request log shows every request the tool made.
 */
import { EventEmitter } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSandbox } from "../dist/sandbox/index.js";
import { describeMachine } from "./describe-machine.mjs";
import {
  countVerdicts,
  figure,
  formatMachine,
  formatMarkdownTable,
  formatResults,
  formatTable,
  TARGETS,
} from "./format-report.mjs";
import { latencyEfficiency, measureQuotaUse } from "./measure-quota-use.mjs";
import { childEnv, lastJson, RSS_METHOD, runNode } from "./run-child.mjs";
import { writeKindFile, writeStatusFile, writeValidateFile } from "./write-inputs.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TMP = join(ROOT, "bench", "tmp");
const CLI = join(ROOT, "dist", "cli.js");
const NAIVE = join(ROOT, "bench", "naive.mjs");
const BARE = join(ROOT, "bench", "bare-pipeline.mjs");
const RESULTS_FILE = join(ROOT, "bench", "RESULTS.md");
const DOCS_FILE = join(ROOT, "docs", "benchmarks.md");

/**
 * Sizes, as data. `full` keeps every figure well-defined (≥ 5 quota windows, ≥ 4 s per latency
 * level, 1M offline rows) and the whole run under about 5 minutes on 2 cores; `quick` is for trying
 * the harness.
 */
const SCALES = {
  full: {
    orders: 5000,
    quota: {
      quota: 100,
      windowMs: 2000,
      latencyMs: 10,
      windows: 7,
      concurrency: 4,
      reserve: 20,
      other: { perSecond: 15, reserve: 40 },
    },
    latency: { latencyMs: 20, levels: [1, 4, 8, 16], seconds: 4 },
    requests: { rows: 40 },
    offline: { rows: [100_000, 1_000_000], repeat: [3, 2] },
  },
  quick: {
    orders: 2000,
    quota: {
      quota: 50,
      windowMs: 1000,
      latencyMs: 10,
      windows: 5,
      concurrency: 4,
      reserve: 10,
      other: { perSecond: 15, reserve: 20 },
    },
    latency: { latencyMs: 20, levels: [1, 4, 8, 16], seconds: 1.5 },
    requests: { rows: 10 },
    offline: { rows: [10_000, 100_000], repeat: [2, 2] },
  },
};

/**
 * Requests each row kind needs at the very least (figure 3), and what the tool is allowed by
 * design. NOTES.md "Recommended per-row flow"; issue 2.
 */
const ROW_KIND_MINIMUMS = [
  { kind: "status", file: "status", minimum: 1, needs: "PUT order" },
  { kind: "notes", file: "notes", minimum: 1, needs: "PUT order" },
  {
    kind: "billing",
    file: "billing",
    minimum: 2,
    needs: "GET order + PUT order (the address is merged into the current one, NOTES.md §1)",
  },
  {
    kind: "shipment",
    file: "shipment",
    minimum: 4,
    allowed: 5,
    needs:
      "GET shipments + GET shipping_addresses + GET products + POST shipment; the tool also re-reads the order (GET) to report the status the shipment set (NOTES.md §10), so 5 by design",
  },
  {
    kind: "shipment + status",
    file: "shipment_and_status",
    minimum: 5,
    needs: "the 4 shipment requests + PUT status (its answer carries the status: no re-read)",
  },
  {
    kind: "shipment already present",
    rerunOf: "shipment",
    minimum: 1,
    needs: "GET shipments (same tracking number found: nothing posted)",
  },
];

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "full" },
    only: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const scaleName = args.scale;
const SCALE = SCALES[scaleName];
if (!SCALE) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(", ")}`);
const FIGURE_NAMES = ["quota", "naive", "latency", "requests", "offline"];
const selected = new Set(
  (args.only ?? FIGURE_NAMES.join(",")).split(",").map((name) => name.trim()),
);
for (const name of selected) {
  if (!FIGURE_NAMES.includes(name)) {
    throw new Error(`--only takes ${FIGURE_NAMES.join(", ")}; got "${name}"`);
  }
}

// The sandbox waits on one AbortSignal per request in flight; with 16 workers that trips Node's
// "possible EventTarget memory leak" warning (10 listeners) on stderr. Not a leak: raise the limit
// for this process (reported to the lead: src/sandbox/server.ts could call setMaxListeners).
EventEmitter.defaultMaxListeners = 100;

const rows = [];
/** Per-figure notes for RESULTS.md, by figure id: { title, intro, items }. */
const details = new Map();

function section(id, title, intro) {
  const entry = { id, title, intro, items: [] };
  details.set(id, entry);
  return entry;
}
/** Lines the tool wrote on stderr despite --quiet (warnings), with the figure that saw them. */
const toolStderr = new Map();
let errors = 0;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function log(text) {
  process.stdout.write(`${text}\n`);
}

/** Starts a sandbox store with generated orders (and no faults) on 127.0.0.1. */
function sandboxWith(options) {
  return startSandbox({
    host: "127.0.0.1",
    seed: { generate: { orders: SCALE.orders } },
    ...options,
  });
}

/** Runs the CLI on `input` against `sandbox`; resolves with its `--json` summary and wall time. */
async function runTool(sandbox, input, flags, figureId) {
  const output = input.replace(/\.csv$/, ".results.csv");
  const result = await runNode([CLI, input, "-o", output, "--json", "--quiet", ...flags], {
    env: childEnv(sandbox.env),
  });
  const stderr = result.stderr.replace(/\(node:\d+\) /g, "").trim();
  // Node's "(Use `node --trace-warnings …`)" hint follows every warning: not a line of the tool's.
  const lines = stderr.split("\n").filter((line) => line && !line.includes("--trace-warnings"));
  for (const line of lines) {
    if (!toolStderr.has(line)) toolStderr.set(line, figureId);
  }
  const summary = lastJson(result.stdout);
  if (!summary) {
    throw new Error(`bc-order-batch exited ${result.code} without a summary: ${stderr}`);
  }
  return { ...result, summary };
}

/** Throws unless every row of a run ended `result` (the figures would mean nothing otherwise). */
function expectAll(summary, rowCount, result) {
  const count = summary.by_result?.[result] ?? 0;
  if (summary.rows !== rowCount || count !== rowCount) {
    throw new Error(
      `expected ${rowCount} rows ${result}, got ${JSON.stringify(summary.by_result)} of ${summary.rows}`,
    );
  }
}

/** Another app of the store: steady GET /orders requests (route "orders", never used by a run). */
function startOtherApp(sandbox, perSecond) {
  const controller = new AbortController();
  const url = `${sandbox.url}/stores/${sandbox.env.BIGCOMMERCE_STORE_HASH}/v2/orders?limit=1`;
  const headers = {
    "X-Auth-Token": sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
    Accept: "application/json",
  };
  const intervalMs = 1000 / perSecond;
  const done = (async () => {
    let next = performance.now();
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, { headers, signal: controller.signal });
        await response.arrayBuffer();
      } catch {
        // aborted at the end, or refused: the log counts what the store saw
      }
      next += intervalMs;
      await sleep(Math.max(0, next - performance.now())).catch(() => {});
    }
  })();
  return async () => {
    controller.abort();
    await done;
  };
}

// ---- Figure 1 (and 5): quota use ----

let naiveInput; // the status file and tool run of scenario 1a, reused by figure 5

async function measureQuota() {
  const q = SCALE.quota;
  const scenarios = [
    { id: "1a", label: "--reserve 0", reserve: 0, flags: ["--reserve", "0"] },
    {
      id: "1b",
      label: `--reserve ${q.reserve}`,
      reserve: q.reserve,
      flags: ["--reserve", String(q.reserve)],
    },
    { id: "1c", label: "default reserve (10 %)", reserve: Math.ceil(q.quota / 10), flags: [] },
    {
      id: "1d",
      label: `other app ${q.other.perSecond}/s + --reserve ${q.other.reserve}`,
      reserve: q.other.reserve,
      flags: ["--reserve", String(q.other.reserve)],
      other: true,
    },
    {
      id: "1e",
      label: `other app ${q.other.perSecond}/s + --reserve 0`,
      reserve: 0,
      flags: ["--reserve", "0"],
      other: true,
      storeWide: true,
    },
  ];
  const notes = section(
    "1",
    "1. Quota use",
    `Sandbox quota ${q.quota} requests per ${q.windowMs} ms window, ${q.latencyMs} ms latency, status rows (1 PUT each), \`--concurrency ${q.concurrency}\`, about ${q.windows} full windows per scenario. "Over time" counts the gaps between windows too (the tool waits for its estimate of the window end plus a 50 ms margin, RESUME_MARGIN_MS).`,
  );
  for (const scenario of scenarios) {
    const sandbox = await sandboxWith({
      quota: q.quota,
      windowMs: q.windowMs,
      latencyMs: q.latencyMs,
    });
    let stopOther;
    try {
      // The tool never gets more than quota − reserve per window, so this many rows span at least
      // `windows` full windows (more when another app takes part of each).
      const count = Math.round((q.windows + 0.5) * (q.quota - scenario.reserve));
      const input = join(TMP, `quota-${scenario.id}.csv`);
      await writeStatusFile(input, sandbox.store.orderIds().slice(0, count));
      if (scenario.other) stopOther = startOtherApp(sandbox, q.other.perSecond);
      const run = await runTool(
        sandbox,
        input,
        ["--concurrency", String(q.concurrency), ...scenario.flags],
        scenario.id,
      );
      await stopOther?.();
      stopOther = undefined;
      expectAll(run.summary, count, "updated");
      const use = measureQuotaUse(sandbox.stats().requestLog, {
        quota: q.quota,
        windowMs: q.windowMs,
        reserve: scenario.reserve,
        isTool: (entry) => entry.route !== "orders",
      });
      if (scenario.id === "1a") naiveInput = { input, count, run };
      const served = scenario.storeWide
        ? `${(use.servedPerWindow + use.otherServedPerWindow).toFixed(1)} of ${q.quota} per window (tool ${use.servedPerWindow.toFixed(1)}, other app ${use.otherServedPerWindow.toFixed(1)})`
        : `${use.servedPerWindow.toFixed(1)} of ${q.quota - scenario.reserve} per window (min ${use.minServed}, max ${use.maxServed})`;
      rows.push(
        figure(
          scenario.id,
          `quota use, ${scenario.label}: served per window ÷ ${scenario.storeWide ? "quota (whole store)" : "(quota − reserve)"}`,
          `${served}; ${use.fullWindows} full windows; ${scenario.storeWide ? "" : `over time ${use.overTime.toFixed(3)}; `}${count} rows in ${seconds(run.summary.elapsed_ms)}`,
          scenario.storeWide ? use.storePerWindow : use.perWindow,
          TARGETS.quotaPerWindow,
        ),
        figure(
          scenario.id,
          `429 share, ${scenario.label}`,
          `${use.rateLimited} of ${use.requests} requests answered 429`,
          use.share429,
          TARGETS.share429,
        ),
      );
      if (scenario.other) {
        rows.push(
          figure(
            scenario.id,
            `the other app's 429 share, ${scenario.label}`,
            `${use.otherRateLimited} of ${use.otherRequests} of its requests answered 429`,
            use.otherRateLimited / use.otherRequests,
            undefined,
          ),
        );
      }
      notes.items.push(
        `${scenario.id} ${scenario.label}: ${use.windows} windows (${use.fullWindows} full), tool served ${use.servedPerWindow.toFixed(1)} per full window (min ${use.minServed}, max ${use.maxServed}), other app ${use.otherServedPerWindow.toFixed(1)}; over time ${use.overTime.toFixed(3)}, mean gap between windows ${use.meanGapMs.toFixed(0)} ms; tool ${use.requests} requests, ${use.rateLimited} × 429, ${run.summary.retries} retries; other app ${use.otherRequests} requests, ${use.otherRateLimited} × 429; wall ${seconds(run.wallMs)}.`,
      );
    } finally {
      await stopOther?.();
      await sandbox.close();
    }
  }
}

// ---- Figure 5: naive baseline ----

async function measureNaive() {
  const q = SCALE.quota;
  if (!naiveInput) throw new Error("the naive baseline reuses figure 1a's file: run `quota` too");
  const { input, count, run } = naiveInput;
  const sandbox = await sandboxWith({
    quota: q.quota,
    windowMs: q.windowMs,
    latencyMs: q.latencyMs,
  });
  try {
    await writeStatusFile(input, sandbox.store.orderIds().slice(0, count));
    const result = await runNode([NAIVE, input], { env: childEnv(sandbox.env) });
    const naive = lastJson(result.stdout);
    if (result.code !== 0 || !naive) {
      throw new Error(`naive.mjs exited ${result.code}: ${result.stderr.trim()}`);
    }
    const toolApplied = run.summary.by_result.updated ?? 0;
    const toolRate = toolApplied / (run.wallMs / 1000);
    const naiveRate = naive.ok / (result.wallMs / 1000);
    const toolText = `tool ${seconds(run.wallMs)}, ${run.summary.rows - toolApplied} rows lost, ${run.summary.rate_limited} × 429`;
    const naiveText = `naive ${seconds(result.wallMs)}, ${naive.lost} rows lost, ${naive.rateLimited} × 429`;
    rows.push(
      figure(
        "5a",
        "naive baseline: wall time, tool ÷ naive",
        `${toolText}; ${naiveText}`,
        run.wallMs / result.wallMs,
        undefined,
      ),
      figure(
        "5b",
        "naive baseline: rows applied per second, tool ÷ naive",
        `tool ${toolRate.toFixed(1)} rows/s, naive ${naiveRate.toFixed(1)} rows/s`,
        toolRate / naiveRate,
        undefined,
      ),
      figure(
        "5c",
        "naive baseline: share of its requests answered 429 (rows lost)",
        `${naive.rateLimited} of ${naive.rows} (tool: ${run.summary.rate_limited} of ${run.summary.requests}, 0 rows lost)`,
        naive.rateLimited / naive.rows,
        undefined,
      ),
    );
    section(
      "5",
      "5. Naive baseline",
      `bench/naive.mjs (whole CSV in memory, one awaited axios PUT per row, no rate-limit handling, no retries) on figure 1a's file (${count} status rows) and sandbox settings, fresh store: answers ${JSON.stringify(naive.byStatus)} in ${seconds(result.wallMs)}; the tool (1a) ${seconds(run.wallMs)} wall, every row updated. Wall times include node's start-up for both.`,
    );
  } finally {
    await sandbox.close();
  }
}

// ---- Figure 2: latency-bound throughput ----

async function measureLatency() {
  const l = SCALE.latency;
  const notes = section(
    "2",
    "2. Latency-bound throughput",
    `No quota, ${l.latencyMs} ms added to every answer, status rows (1 PUT each), about ${l.seconds} s of work per level. rows/s = rows ÷ the run's own elapsed_ms (--json), which includes reading the file twice and the one GET /order_statuses; ideal = concurrency ÷ (latency × 1 request per row).`,
  );
  for (const concurrency of l.levels) {
    const sandbox = await sandboxWith({ quota: 0, latencyMs: l.latencyMs });
    try {
      const count = Math.round(concurrency * (1000 / l.latencyMs) * l.seconds);
      const input = join(TMP, `latency-${concurrency}.csv`);
      await writeStatusFile(input, sandbox.store.orderIds().slice(0, count));
      const run = await runTool(sandbox, input, ["--concurrency", String(concurrency)], "2");
      expectAll(run.summary, count, "updated");
      const rowsPerSecond = count / (run.summary.elapsed_ms / 1000);
      const { ideal, ratio } = latencyEfficiency(rowsPerSecond, {
        concurrency,
        latencyMs: l.latencyMs,
        requestsPerRow: 1,
      });
      const stats = sandbox.stats();
      rows.push(
        figure(
          "2",
          `latency-bound throughput, --concurrency ${concurrency}: rows/s ÷ ideal`,
          `${rowsPerSecond.toFixed(1)} rows/s of ${ideal.toFixed(0)} ideal; ${count} rows in ${seconds(run.summary.elapsed_ms)}`,
          ratio,
          TARGETS.latency,
        ),
      );
      notes.items.push(
        `--concurrency ${concurrency}: ${count} rows, ${run.summary.requests} requests, elapsed ${run.summary.elapsed_ms} ms (wall ${seconds(run.wallMs)}), most requests in flight at the store ${stats.maxInFlight}.`,
      );
    } finally {
      await sandbox.close();
    }
  }
}

// ---- Figure 3: requests per row ----

async function measureRequestsPerRow() {
  const count = SCALE.requests.rows;
  const sandbox = await sandboxWith({ quota: 0, latencyMs: 0 });
  const notes = section(
    "3",
    "3. Requests per row",
    `${count} rows per kind, each on its own order (generated orders with one shipping address), counted at the store (sandbox request log, minus the run's one GET /order_statuses) and by the tool (--json requests); "already present" re-runs the shipment file.`,
  );
  try {
    // Orders with one shipping address: a shipment row for one with two needs order_address_id.
    const ids = sandbox.store
      .orderIds()
      .filter((id) => sandbox.store.listShippingAddresses(id).length === 1);
    let next = 0;
    const inputs = new Map();
    for (const spec of ROW_KIND_MINIMUMS) {
      let input = inputs.get(spec.rerunOf);
      if (!spec.rerunOf) {
        input = join(TMP, `requests-${spec.file}.csv`);
        await writeKindFile(input, spec.file, ids.slice(next, next + count));
        next += count;
        inputs.set(spec.file, input);
      }
      const before = sandbox.stats();
      const run = await runTool(sandbox, input, ["--concurrency", "4"], "3");
      const after = sandbox.stats();
      const expected = spec.rerunOf ? "unchanged" : "updated";
      expectAll(run.summary, count, expected);
      const routes = Object.entries(after.byRoute)
        .map(([route, n]) => [route, n - (before.byRoute[route] ?? 0)])
        .filter(([route, n]) => n > 0 && route !== "order_statuses");
      const storeRequests = routes.reduce((sum, [, n]) => sum + n, 0);
      const perRow = storeRequests / count;
      const toolPerRow = (run.summary.requests - 1) / count;
      const byRoute = routes.map(([route, n]) => `${route} ${(n / count).toFixed(2)}`).join(", ");
      rows.push(
        figure(
          "3",
          `requests per row, ${spec.kind}: measured ÷ minimum (${spec.minimum})`,
          `${perRow.toFixed(2)} per row (${byRoute})`,
          perRow / spec.minimum,
          { max: (spec.allowed ?? spec.minimum) / spec.minimum },
        ),
      );
      notes.items.push(
        `${spec.kind}: ${perRow.toFixed(2)} requests per row at the store, ${toolPerRow.toFixed(2)} by the tool's count; minimum ${spec.minimum}: ${spec.needs}.`,
      );
    }
  } finally {
    await sandbox.close();
  }
}

// ---- Figure 4: offline validate ----

/** Data records of a CSV file whose cells hold no line breaks: lines minus the header. */
async function countRecords(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
  }
  return lines - 1;
}

/**
 * Folds one run into the best so far: the fastest wall time (the least disturbed by other load on
 * the machine) and the highest peak RSS (the worst case).
 */
function keepBest(best, result) {
  return {
    wallMs: Math.min(best?.wallMs ?? Number.POSITIVE_INFINITY, result.wallMs),
    cpuMs: Math.min(best?.cpuMs ?? Number.POSITIVE_INFINITY, result.cpuMs ?? Number.NaN),
    maxRssKiB: Math.max(best?.maxRssKiB ?? 0, result.maxRssKiB ?? Number.NaN),
    walls: [...(best?.walls ?? []), result.wallMs],
  };
}

async function measureOffline() {
  const { rows: sizes, repeat } = SCALE.offline;
  const measured = [];
  const notes = section(
    "4",
    "4. Offline: validate",
    `\`node dist/cli.js validate <file> -o <out> --quiet\` and \`node bench/bare-pipeline.mjs <file> <out>\` (csv-parse → csv-stringify, nothing else) as child processes on the same file, alternately, best wall time of ${repeat.join("/")} runs per size (node start-up included for both); peak RSS by ${RSS_METHOD}, highest of the runs. The file mixes tracking, status and note rows (quoted cells with commas and quotes), one invalid row per thousand; each output is checked to hold one record per input row.`,
  );
  for (const [i, count] of sizes.entries()) {
    const input = join(TMP, `validate-${count}.csv`);
    const output = join(TMP, `validate-${count}.results.csv`);
    const bareOutput = join(TMP, `validate-${count}.bare.csv`);
    const rssFile = join(TMP, "rss.txt");
    try {
      await writeValidateFile(input, count);
      let bare;
      let validate;
      // Alternately, so a burst of other load on the machine hits both sides alike.
      for (let run = 0; run < (repeat[i] ?? 1); run += 1) {
        const bareRun = await runNode([BARE, input, bareOutput], { measureRss: true, rssFile });
        if (bareRun.code !== 0 || (await countRecords(bareOutput)) !== count) {
          throw new Error(`bare-pipeline.mjs exited ${bareRun.code}: ${bareRun.stderr.trim()}`);
        }
        bare = keepBest(bare, bareRun);
        const validateRun = await runNode([CLI, "validate", input, "-o", output, "--quiet"], {
          measureRss: true,
          rssFile,
        });
        // Exit 1: the invalid rows (one per thousand) are reported, as they should be.
        if (validateRun.code !== 1 || (await countRecords(output)) !== count) {
          throw new Error(`validate exited ${validateRun.code}: ${validateRun.stderr.trim()}`);
        }
        validate = keepBest(validate, validateRun);
      }
      const validateRate = count / (validate.wallMs / 1000);
      const bareRate = count / (bare.wallMs / 1000);
      measured.push({ count, validate, bare });
      const size = count.toLocaleString("en-US");
      rows.push(
        figure(
          "4",
          `validate ${size} rows: rows/s ÷ bare csv-parse → csv-stringify`,
          `validate ${Math.round(validateRate).toLocaleString("en-US")} rows/s (${seconds(validate.wallMs)}), bare ${Math.round(bareRate).toLocaleString("en-US")} rows/s (${seconds(bare.wallMs)})`,
          validateRate / bareRate,
          TARGETS.validateThroughput,
        ),
      );
      const walls = (runs) => runs.walls.map((ms) => (ms / 1000).toFixed(2)).join(", ");
      notes.items.push(
        `${size} rows: validate ${walls(validate)} s wall, best CPU time ${seconds(validate.cpuMs)}, peak RSS ${(validate.maxRssKiB / 1024).toFixed(0)} MiB; bare ${walls(bare)} s wall, best CPU time ${seconds(bare.cpuMs)}, peak RSS ${(bare.maxRssKiB / 1024).toFixed(0)} MiB; CPU-time ratio (bare ÷ validate, less sensitive to other load) ${(bare.cpuMs / validate.cpuMs).toFixed(3)}.`,
      );
    } finally {
      await rm(input, { force: true });
      await rm(output, { force: true });
      await rm(output.replace(/\.csv$/, ".failed.csv"), { force: true });
      await rm(bareOutput, { force: true });
    }
  }
  const [small, large] = measured;
  if (small && large) {
    const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
    rows.push(
      figure(
        "4",
        `validate peak RSS, ${large.count.toLocaleString("en-US")} ÷ ${small.count.toLocaleString("en-US")} rows`,
        `${mib(large.validate.maxRssKiB)} vs ${mib(small.validate.maxRssKiB)} (bare: ${mib(large.bare.maxRssKiB)} vs ${mib(small.bare.maxRssKiB)})`,
        large.validate.maxRssKiB / small.validate.maxRssKiB,
        TARGETS.rssGrowth,
      ),
    );
  }
}

// ---- Main ----

const FIGURES = [
  ["quota", "1", "quota use", measureQuota],
  ["naive", "5", "naive baseline", measureNaive],
  ["latency", "2", "latency-bound throughput", measureLatency],
  ["requests", "3", "requests per row", measureRequestsPerRow],
  ["offline", "4", "offline validate", measureOffline],
];

/** Replaces the text between the "bench:latest" markers of docs/benchmarks.md. */
async function updateDocs(block) {
  const start = "<!-- bench:latest:start -->";
  const end = "<!-- bench:latest:end -->";
  let text;
  try {
    text = await readFile(DOCS_FILE, "utf8");
  } catch {
    return false;
  }
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) return false;
  await writeFile(DOCS_FILE, `${text.slice(0, from + start.length)}\n${block}\n${text.slice(to)}`);
  return true;
}

const started = performance.now();
const machine = describeMachine();
await rm(TMP, { recursive: true, force: true });
await mkdir(TMP, { recursive: true });
log(
  `bc-order-batch benchmarks (scale ${scaleName}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`,
);
try {
  for (const [name, id, title, measure] of FIGURES) {
    if (!selected.has(name)) continue;
    const figureStarted = performance.now();
    log(`- ${title}…`);
    try {
      await measure();
    } catch (error) {
      errors += 1;
      const message = error instanceof Error ? error.message : String(error);
      rows.push({
        id,
        name: title,
        measured: `error: ${message}`,
        ratio: Number.NaN,
        target: "-",
        verdict: "error",
      });
      (details.get(id) ?? section(id, `${id}. ${title}`, "")).items.push(`failed: ${message}`);
    }
    log(`  done in ${seconds(performance.now() - figureStarted)}`);
  }
} finally {
  await rm(TMP, { recursive: true, force: true });
}

rows.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
if (toolStderr.size > 0) {
  section(
    "9",
    "Tool stderr",
    "Lines bc-order-batch wrote on stderr despite `--quiet` (with the first figure that saw each):",
  ).items.push(...[...toolStderr].map(([line, id]) => `figure ${id}: ${line}`));
}
const sections = [...details.values()].sort((a, b) => a.id.localeCompare(b.id));
const elapsedS = (performance.now() - started) / 1000;
const q = SCALE.quota;
const settings = [
  `Figure 1 and 5: sandbox quota ${q.quota} per ${q.windowMs} ms, latency ${q.latencyMs} ms, --concurrency ${q.concurrency}`,
  `Figure 2: no quota, latency ${SCALE.latency.latencyMs} ms, --concurrency ${SCALE.latency.levels.join(", ")}`,
  `Figure 3: no quota, no latency, ${SCALE.requests.rows} rows per kind`,
  `Figure 4: ${SCALE.offline.rows.map((n) => n.toLocaleString("en-US")).join(" and ")} rows; peak RSS by ${RSS_METHOD}`,
];
const counts = countVerdicts(rows);
log("");
log(formatTable(rows));
log("");
log(
  `${counts.met} of ${counts.targets} targets met${counts.missed ? `, ${counts.missed} missed` : ""}${errors ? `, ${errors} figure(s) failed` : ""}; ${elapsedS.toFixed(0)} s.`,
);

if (!args["no-write"]) {
  const command = `npm run bench${scaleName === "full" && !args.only ? "" : ` -- --scale ${scaleName}${args.only ? ` --only ${args.only}` : ""}`}`;
  await writeFile(
    RESULTS_FILE,
    formatResults({ machine, command, scale: scaleName, settings, rows, sections, elapsedS }),
  );
  log(`Wrote ${RESULTS_FILE}`);
  if (scaleName === "full" && !args.only) {
    const block = [
      formatMachine(machine),
      "",
      `${counts.met} of ${counts.targets} targets met${counts.missed ? `, ${counts.missed} missed` : ""}.`,
      "",
      formatMarkdownTable(rows),
    ].join("\n");
    if (await updateDocs(block)) log(`Updated the latest figures in ${DOCS_FILE}`);
  }
}
process.exitCode = errors > 0 ? 1 : 0;
