/**
 * The run report (issue 16): one self-contained HTML page, inline CSS and inline SVG, no script and
 * nothing loaded from anywhere (it must open offline, from an email attachment). Pure: ReportData
 * (report-data.ts) in, text out. Every value from the input or the store goes through `esc`.
 */
import type { FailureGroup, ReportData, RequestWindow, TileKey } from "./report-data.js";
import { TILE_KEYS } from "./report-data.js";

/** Bars drawn at most; more windows are drawn several to a bar (the caption says how many). */
export const MAX_BARS = 400;

/** Tile labels and what each counts, policy as data. */
const TILES: Readonly<Record<TileKey, { readonly label: string; readonly help: string }>> = {
  rows: { label: "rows", help: "Data rows of the input file that got a result" },
  updated: { label: "updated", help: "Rows that changed their order" },
  unchanged: { label: "unchanged", help: "Rows whose order already was as asked" },
  already_shipped: {
    label: "already shipped",
    help: "Rows whose order another app had shipped under another tracking number",
  },
  conflict: {
    label: "conflict",
    help: "Rows left alone: someone changed the field since (an expect_ value did not match)",
  },
  would_update: { label: "would update", help: "Dry run: rows that would change their order" },
  valid: { label: "valid", help: "validate: rows that passed every offline check" },
  failed: { label: "failed", help: "Rows the store refused or that could not be applied" },
  invalid: { label: "invalid", help: "Rows refused before anything was sent" },
  needs_review: {
    label: "needs review",
    help: "Rows whose outcome is unclear: check the order in the control panel",
  },
  not_attempted: {
    label: "not attempted",
    help: "Rows not sent (run stopped, or a transient failure): --resume sends them",
  },
  shipments_created: { label: "shipments created", help: "Shipments this run created" },
  totals_recalculated: {
    label: "totals recalculated",
    help: "Orders whose totals BigCommerce recalculated after a billing change",
  },
};

/** Tiles that are the rows' own results (coloured by outcome). */
const TONE: Readonly<Partial<Record<TileKey, string>>> = {
  updated: "good",
  would_update: "good",
  valid: "good",
  unchanged: "plain",
  failed: "bad",
  invalid: "warn",
  needs_review: "review",
  already_shipped: "plain",
  conflict: "warn",
  not_attempted: "muted",
};

/** Why a run stopped, in words. */
const STOPS: Readonly<Record<string, string>> = {
  interrupted:
    "Stopped early: interrupted. Rows not started are not attempted; --resume sends them.",
  credentials_rejected: "Stopped early: the store rejected the credentials.",
  outage:
    "Stopped early: BigCommerce was unavailable (retry budget used up); run again with --resume.",
  input_changed: "Stopped early: the input file changed during the run.",
  error: "Stopped early by an error.",
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: C0 controls are what is matched
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Text or attribute value, escaped; control characters (never valid in HTML) become U+FFFD. */
export function esc(value: string | number): string {
  return String(value)
    .replace(CONTROL, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const number = (n: number): string => esc(n.toLocaleString("en-US"));

/** 4.2 s, 3 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** m:ss (or h:mm:ss) from the start of the run, for the chart's time axis. */
function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** 1, 2, 5, 10, 20, 50, … at or above `n`. */
function niceCeil(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** Nice steps for a y axis from 0 to `max` (a niceCeil value). */
function ticks(max: number): number[] {
  const step = max <= 4 ? 1 : max / (max % 4 === 0 || max % 5 !== 0 ? 4 : 5);
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString();

const CSS = `
:root{--ink:#1d232b;--muted:#5b6673;--line:#dde2e8;--bg:#f5f7fa;--card:#fff;--good:#1f7a45;--bad:#b42318;--warn:#b54708;--review:#6941c6;--plain:#475467;--bar:#2e6fd8;--r429:#d92d20;--wait:#f79009}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:0 0 6px}
section,header.top{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 16px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:13px}
.sub{color:var(--muted);margin:0}
.status{display:inline-block;margin:10px 0 0;padding:6px 12px;border-radius:6px;font-weight:600}
.status.ok{background:#e7f6ec;color:var(--good)}
.status.attention{background:#fef4e6;color:var(--warn)}
.status.stopped{background:#fdecea;color:var(--bad)}
.badge{display:inline-block;margin:10px 0 0 8px;padding:6px 10px;border-radius:6px;background:#eef2f6;color:var(--plain);font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:6px 18px;margin:0}
@media (max-width:760px){dl.facts{grid-template-columns:max-content 1fr}}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{border:1px solid var(--line);border-left:5px solid var(--plain);border-radius:8px;padding:10px 12px}
.tile .tile-value{display:block;font-size:28px;font-weight:700;line-height:1.1}
.tile .tile-label{color:var(--muted)}
.tile.good{border-left-color:var(--good)}.tile.good .tile-value{color:var(--good)}
.tile.bad{border-left-color:var(--bad)}.tile.bad .tile-value{color:var(--bad)}
.tile.warn{border-left-color:var(--warn)}.tile.warn .tile-value{color:var(--warn)}
.tile.review{border-left-color:var(--review)}.tile.review .tile-value{color:var(--review)}
.tile.muted{border-left-color:#98a2b3}
.tile.zero .tile-value{color:#98a2b3}
.codes{margin:0 0 14px;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:8px}
.codes a{display:inline-block;padding:3px 9px;border-radius:999px;background:#fdecea;color:var(--bad);text-decoration:none}
.group{border-top:1px solid var(--line);padding:14px 0 4px}
.group .count{color:var(--muted);font-weight:400}
.group p{margin:2px 0}
.group .label{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:10px 0 6px;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
td.err{overflow-wrap:anywhere}
td:first-child{white-space:nowrap}
.more{color:var(--muted)}
svg{display:block;width:100%;height:auto}
svg text{font:11px sans-serif;fill:var(--muted)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .bar{fill:var(--bar)}
svg .bar-429{fill:var(--r429)}
svg .wait{fill:var(--wait)}
svg .quota{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}
svg .rowbar{fill:#12b76a}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:8px 0 0;padding:0;list-style:none;color:var(--muted);font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:13px;text-align:center}
@media print{body{background:#fff}section,header.top{break-inside:avoid}}
`;

function statusLine(data: ReportData): string {
  const t = data.totals;
  const notOk = t.failed + t.invalid + t.needs_review + t.not_attempted;
  if (data.stop !== undefined) {
    const words = STOPS[data.stop.reason] ?? STOPS.error;
    const detail =
      data.stop.code !== undefined
        ? ` <span class="mono">${esc(data.stop.code)}</span>${data.stop.message ? `: ${esc(data.stop.message)}` : ""}`
        : "";
    return `<p class="status stopped" data-status="stopped">${esc(words ?? "")}${detail}</p>`;
  }
  if (notOk === 0) {
    return `<p class="status ok" data-status="ok">All ${number(t.rows)} rows succeeded.</p>`;
  }
  return `<p class="status attention" data-status="attention">${number(notOk)} of ${number(t.rows)} rows did not succeed: see below what to do.</p>`;
}

function header(data: ReportData): string {
  const badge =
    data.command === "validate"
      ? `<span class="badge">validate: checked offline, nothing sent</span>`
      : data.flags.dryRun
        ? `<span class="badge">dry run: nothing was changed</span>`
        : "";
  return `<header class="top">
<h1>Run report: <span class="mono">${esc(baseName(data.input))}</span></h1>
<p class="sub">bc-order-batch ${esc(data.version)}, started ${esc(data.startedAt)}, took ${esc(formatDuration(data.durationMs))}</p>
${statusLine(data)}${badge}
</header>`;
}

function baseName(path: string): string {
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return at < 0 ? path : path.slice(at + 1);
}

function fileLink(file: ReportData["results"]): string {
  if (file === undefined) return "";
  const shown = `<span class="mono">${esc(file.path)}</span>`;
  return file.href === undefined ? shown : `<a href="${esc(file.href)}">${shown}</a>`;
}

function runFacts(data: ReportData): string {
  const facts: [string, string][] = [
    ["Input file", `<span class="mono">${esc(data.input)}</span>`],
    [
      data.storeHashes.length > 1 ? "Stores (hash)" : "Store (hash)",
      data.storeHashes.length === 0
        ? "none (validate works offline)"
        : data.storeHashes.map((hash) => `<span class="mono">${esc(hash)}</span>`).join(", "),
    ],
    ["Started", esc(data.startedAt)],
    ["Duration", esc(formatDuration(data.durationMs))],
    [
      "Command",
      data.command === "validate" ? "validate" : data.flags.dryRun ? "run --dry-run" : "run",
    ],
  ];
  if (data.command === "run") {
    facts.push(
      ["Dry run", data.flags.dryRun ? "yes (read only)" : "no"],
      ["Resume", data.flags.resume ? "yes (rows done before were carried over)" : "no"],
      [
        "Concurrency",
        data.flags.concurrency === undefined ? "default" : number(data.flags.concurrency),
      ],
      [
        "Reserve",
        data.flags.reserve === undefined
          ? "default (10 % of the quota left for other apps)"
          : `${number(data.flags.reserve)} requests per window left for other apps`,
      ],
      [
        "Requests",
        `${number(data.requests.total)} (429: ${number(data.requests.rateLimited)}, retries: ${number(data.requests.retries)})`,
      ],
    );
  }
  if (data.results) facts.push(["Results file", fileLink(data.results)]);
  if (data.failedRows) facts.push(["Rows to fix and re-run", fileLink(data.failedRows)]);
  const rows = facts.map(([name, value]) => `<dt>${esc(name)}</dt><dd>${value}</dd>`).join("\n");
  return `<section class="run" aria-labelledby="run-h">
<h2 id="run-h">The run</h2>
<dl class="facts">
${rows}
</dl>
</section>`;
}

function tiles(data: ReportData): string {
  const shown = TILE_KEYS.filter((key) => {
    if (key === "would_update") return data.flags.dryRun || data.totals.would_update > 0;
    if (key === "valid") return data.command === "validate" || data.totals.valid > 0;
    // Results only some files have: shown when the run has them.
    if (key === "already_shipped" || key === "conflict") return data.totals[key] > 0;
    if (data.command === "validate") {
      return !["updated", "unchanged", "shipments_created", "totals_recalculated"].includes(key);
    }
    return true;
  });
  const items = shown.map((key) => {
    const value = data.totals[key];
    const tone = TONE[key] ?? "plain";
    const tile = TILES[key];
    return `<div class="tile ${tone}${value === 0 ? " zero" : ""}" data-tile="${key}" title="${esc(tile.help)}"><span class="tile-value" data-value="${value}">${number(value)}</span><span class="tile-label">${esc(tile.label)}</span></div>`;
  });
  return `<section aria-labelledby="totals-h">
<h2 id="totals-h">Totals</h2>
<div class="tiles">
${items.join("\n")}
</div>
</section>`;
}

/** An id fragment for a code: codes are letters, digits and _, anything else (a tampered file) is dropped. */
const anchorOf = (code: string): string => `code-${code.replace(/[^A-Za-z0-9_-]/g, "") || "none"}`;

function group(data: ReportData, failure: FailureGroup): string {
  const info = failure.info;
  const rowLink = (index: number, line: number): string => {
    const text = `line ${number(line)}`;
    const href = data.results?.href;
    // RFC 7111 fragment for text/csv: record `index + 1` of the results (the header is row 1).
    return href === undefined
      ? text
      : `<a href="${esc(`${href}#row=${index + 1}`)}" title="Results file, record ${index + 1} (line column ${line})">${text}</a>`;
  };
  const rows = failure.rows
    .map(
      (row) =>
        `<tr><td>${rowLink(row.index, row.line)}</td><td>${row.orderId === undefined ? "" : esc(row.orderId)}</td><td>${esc(row.result)}</td><td class="err">${esc(row.error ?? "")}</td></tr>`,
    )
    .join("\n");
  const more = failure.count - failure.rows.length;
  const moreLine =
    more > 0
      ? `<p class="more">… and ${number(more)} more ${more === 1 ? "row" : "rows"} with this code${data.failedRows ? `: all are in ${fileLink(data.failedRows)}` : ""}.</p>`
      : "";
  const explained = info
    ? `<p><span class="label">What happened:</span> ${esc(info.meaning)}</p>
<p><span class="label">What to do:</span> ${esc(info.fix)}</p>`
    : `<p class="empty">This code is not in this version's table of codes.</p>`;
  return `<div class="group" id="${anchorOf(failure.code)}" data-code="${esc(failure.code)}" data-count="${failure.count}">
<h3><code>${esc(failure.code)}</code> <span class="count">${number(failure.count)} ${failure.count === 1 ? "row" : "rows"}</span></h3>
${explained}
<table>
<thead><tr><th>line</th><th>order</th><th>result</th><th>error</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${moreLine}
</div>`;
}

function failures(data: ReportData): string {
  if (data.failures.length === 0) {
    return `<section aria-labelledby="failures-h">
<h2 id="failures-h">Rows that did not succeed</h2>
<p class="empty">None: every row succeeded.</p>
</section>`;
  }
  const index = data.failures
    .map(
      (failure) =>
        `<li><a href="#${anchorOf(failure.code)}"><code>${esc(failure.code)}</code> × ${number(failure.count)}</a></li>`,
    )
    .join("");
  const where = data.results?.href
    ? `<p class="sub">Each line links to the results file; the number is the input line, as in its <code>line</code> column.</p>`
    : "";
  return `<section aria-labelledby="failures-h">
<h2 id="failures-h">Rows that did not succeed, by error code</h2>
${where}
<ul class="codes">${index}</ul>
${data.failures.map((failure) => group(data, failure)).join("\n")}
</section>`;
}

/** Windows drawn several to a bar when there are more than MAX_BARS. */
function barsOf(list: readonly RequestWindow[]): { bars: RequestWindow[]; perBar: number } {
  const perBar = Math.max(1, Math.ceil(list.length / MAX_BARS));
  if (perBar === 1) return { bars: [...list], perBar };
  const bars: RequestWindow[] = [];
  for (let i = 0; i < list.length; i += perBar) {
    const part = list.slice(i, i + perBar);
    const sum = (pick: (w: RequestWindow) => number) => part.reduce((s, w) => s + pick(w), 0);
    bars.push({
      startMs: part[0]?.startMs ?? 0,
      endMs: part.at(-1)?.endMs ?? 0,
      windows: sum((w) => w.windows),
      requests: sum((w) => w.requests),
      rateLimited: sum((w) => w.rateLimited),
      retries: sum((w) => w.retries),
      waits: sum((w) => w.waits),
      waitMs: sum((w) => w.waitMs),
    });
  }
  return { bars, perBar };
}

const W = 960;
const PAD = { left: 52, right: 16, top: 22, bottom: 40 };

/** Gridlines and y labels from 0 to `max` for a chart `height` high. */
function yAxis(max: number, height: number): string {
  const plotH = height - PAD.top - PAD.bottom;
  return ticks(max)
    .map((value) => {
      const y = PAD.top + plotH - (value / max) * plotH;
      return `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${fixed(y)}" y2="${fixed(y)}" /><text x="${PAD.left - 6}" y="${fixed(y + 4)}" text-anchor="end">${esc(value)}</text>`;
    })
    .join("");
}

/** About 8 time labels under the bars. */
function xLabels(starts: readonly number[], slot: number, height: number): string {
  const every = Math.max(1, Math.ceil(starts.length / 8));
  return starts
    .map((ms, i) =>
      i % every === 0
        ? `<text x="${fixed(PAD.left + slot * i + slot / 2)}" y="${height - PAD.bottom + 16}" text-anchor="middle">${esc(clock(ms))}</text>`
        : "",
    )
    .join("");
}

function requestsChart(data: ReportData): string {
  const { list, quota, windowMs, learned } = data.windows;
  if (list.length === 0) {
    return `<section aria-labelledby="requests-h">
<h2 id="requests-h">Requests against the quota</h2>
<p class="empty">${data.command === "validate" ? "None: validate checks the file offline." : "No request was sent."}</p>
</section>`;
  }
  const { bars, perBar } = barsOf(list);
  const height = 280;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = niceCeil(Math.max(1, quota ?? 0, ...bars.map((bar) => bar.requests)));
  const slot = plotW / bars.length;
  const barW = Math.max(1, Math.min(56, slot * 0.72));
  const scale = (n: number) => (n / max) * plotH;
  const base = PAD.top + plotH;
  const drawn = bars
    .map((bar, i) => {
      const x = PAD.left + slot * i + (slot - barW) / 2;
      const h = scale(bar.requests);
      const h429 = scale(bar.rateLimited);
      const top = base - h;
      const parts = [
        `${bar.windows > 1 ? `${bar.windows} windows` : `Window ${i + 1}`}, ${clock(bar.startMs)}–${clock(bar.endMs)}`,
        `${bar.requests} requests`,
        ...(bar.rateLimited > 0 ? [`${bar.rateLimited} × 429`] : []),
        ...(bar.retries > 0 ? [`${bar.retries} retries`] : []),
        ...(bar.waits > 0 ? [`paused ${bar.waits}× for the quota`] : []),
      ];
      const wait =
        bar.waits > 0
          ? `<path class="wait" d="M${fixed(x + barW / 2 - 5)} ${fixed(top - 12)}h10l-5 8z" />`
          : "";
      return `<g class="window" data-window="${i}" data-requests="${bar.requests}" data-rate-limited="${bar.rateLimited}" data-waits="${bar.waits}"><title>${esc(parts.join("; "))}</title><rect class="bar" x="${fixed(x)}" y="${fixed(top)}" width="${fixed(barW)}" height="${fixed(h)}" />${h429 > 0 ? `<rect class="bar-429" x="${fixed(x)}" y="${fixed(top)}" width="${fixed(barW)}" height="${fixed(h429)}" />` : ""}${wait}</g>`;
    })
    .join("");
  const quotaLine =
    quota === undefined
      ? ""
      : `<line class="quota" x1="${PAD.left}" x2="${W - PAD.right}" y1="${fixed(base - scale(quota))}" y2="${fixed(base - scale(quota))}" />`;
  const waits = list.reduce((sum, w) => sum + w.waits, 0);
  const windowWords = learned
    ? `windows of about ${formatDuration(windowMs)}, as the store's pauses showed`
    : `windows of ${formatDuration(windowMs)} assumed (BigCommerce's documented window; the run never reached the quota)`;
  const windowCount = list.reduce((sum, w) => sum + w.windows, 0);
  const caption = `${number(windowCount)} ${windowCount === 1 ? windowWords.replace("windows", "window") : windowWords}; ${perBar > 1 ? `each bar is ${perBar} windows; ` : ""}the run paused ${number(waits)} ${waits === 1 ? "time" : "times"} for the quota.`;
  return `<section aria-labelledby="requests-h">
<h2 id="requests-h">Requests against the quota</h2>
<p class="sub">One bar per quota window: the requests sent in it, the 429 answers among them, and the pauses while the store's quota refilled. ${caption}</p>
<svg class="chart requests-chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="Requests per quota window">
${yAxis(max, height)}
${drawn}
${quotaLine}
<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${base}" y2="${base}" />
${xLabels(
  bars.map((bar) => bar.startMs),
  slot,
  height,
)}
<text x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle">time since the start (m:ss)</text>
<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">requests</text>
</svg>
<ul class="legend">
<li><span class="swatch" style="background:#2e6fd8"></span>requests answered</li>
<li><span class="swatch" style="background:#d92d20"></span>429 Too Many Requests</li>
<li><span class="swatch" style="background:#f79009"></span>paused (waiting for the quota)</li>
${quota === undefined ? "" : `<li><span class="swatch" style="background:#b42318"></span>quota per window (${number(quota)})</li>`}
</ul>
</section>`;
}

function rowsChart(data: ReportData): string {
  const { counts, bucketMs } = data.rowsPerMinute;
  const minutes = bucketMs / 60_000;
  const per = minutes === 1 ? "minute" : `${minutes} minutes`;
  const seconds = data.durationMs / 1000;
  // Under a minute, a rate per minute would be a guess: the count and the time say it.
  const average =
    seconds >= 60
      ? `${number(Math.round((data.totals.rows / seconds) * 60))} rows per minute on average`
      : `${number(data.totals.rows)} rows in ${formatDuration(data.durationMs)}`;
  if (counts.length === 0) {
    return `<section aria-labelledby="rows-h">
<h2 id="rows-h">Rows per ${esc(per)}</h2>
<p class="empty">No row got a result.</p>
</section>`;
  }
  const height = 200;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = niceCeil(Math.max(1, ...counts));
  const slot = plotW / counts.length;
  const barW = Math.max(1, Math.min(56, slot * 0.72));
  const base = PAD.top + plotH;
  const bars = counts
    .map((n, i) => {
      const h = (n / max) * plotH;
      const x = PAD.left + slot * i + (slot - barW) / 2;
      return `<g class="minute" data-rows="${n}"><title>${esc(`${clock(i * bucketMs)}–${clock((i + 1) * bucketMs)}: ${n} rows`)}</title><rect class="rowbar" x="${fixed(x)}" y="${fixed(base - h)}" width="${fixed(barW)}" height="${fixed(h)}" /></g>`;
    })
    .join("");
  return `<section aria-labelledby="rows-h">
<h2 id="rows-h">Rows per ${esc(per)}</h2>
<p class="sub">${esc(average)}; rows carried over by --resume count when they are written.</p>
<svg class="chart rows-chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="Rows per ${esc(per)}">
${yAxis(max, height)}
${bars}
<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${base}" y2="${base}" />
${xLabels(
  counts.map((_, i) => i * bucketMs),
  slot,
  height,
)}
<text x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle">time since the start (m:ss)</text>
</svg>
</section>`;
}

/** Issue 15's undo file, counted by field; nothing at all without one. */
function undo(data: ReportData): string {
  const summary = data.undo;
  if (summary === undefined) return "";
  const fields = Object.entries(summary.byField).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  const rows = fields
    .map(([field, n]) => `<tr><td><code>${esc(field)}</code></td><td>${number(n)}</td></tr>`)
    .join("\n");
  return `<section class="undo" aria-labelledby="undo-h">
<h2 id="undo-h">What the undo file would restore</h2>
${summary.file === undefined ? "" : `<p class="sub">Undo file: <span class="mono">${esc(summary.file)}</span></p>`}
${fields.length === 0 ? `<p class="empty">Nothing: no field was changed.</p>` : `<table><thead><tr><th>field</th><th>values restored</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
</section>`;
}

/** The whole page. */
export function renderReport(data: ReportData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
<meta name="generator" content="bc-order-batch ${esc(data.version)}" />
<title>${esc(`Run report: ${baseName(data.input)}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(data)}
${runFacts(data)}
${tiles(data)}
${failures(data)}
${requestsChart(data)}
${rowsChart(data)}
${undo(data)}
<footer>One self-contained file: no script, nothing loaded from the network. Open it in any browser, or attach it to an email.</footer>
</main>
</body>
</html>
`;
}
