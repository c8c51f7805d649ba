/**
 * Pure analysis of the sandbox's request log (SandboxStats.requestLog: arrival time `t` in ms, route,
 * status) for figure 1. The sandbox's quota window is fixed, and starts with the first request after
 * the previous window ended (src/sandbox/rate-limit.ts), so the windows can be rebuilt from arrivals.
 */

/**
 * Splits log entries into quota windows, in arrival order: a window starts at the first arrival at or
 * after the previous window's start + `windowMs`. Entries with status 0 (no answer) are kept.
 * @returns {{ start: number, entries: object[] }[]}
 */
export function splitWindows(log, windowMs) {
  const sorted = [...log].sort((a, b) => a.t - b.t);
  const windows = [];
  let current;
  for (const entry of sorted) {
    if (current === undefined || entry.t >= current.start + windowMs) {
      current = { start: entry.t, entries: [] };
      windows.push(current);
    }
    current.entries.push(entry);
  }
  return windows;
}

const mean = (values) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Quota use of a run. `isTool(entry)` tells the tool's requests from another app's.
 * Only full windows count (the last one is cut short by the end of the run); `share` is the part of
 * the quota the tool may use per window (quota − reserve).
 * - perWindow: tool requests served (not 429) per full window ÷ share — issue 4's "≥ 90 % of the quota".
 * - overTime: the same over the time the full windows took, gaps between windows included (the wait
 *   for the window end estimate plus a margin, RESUME_MARGIN_MS in src/api/rate-limit.ts).
 * - share429: tool requests answered 429 ÷ tool requests, over the whole run.
 */
export function measureQuotaUse(log, { quota, windowMs, reserve = 0, isTool = () => true }) {
  const windows = splitWindows(log, windowMs);
  const share = quota - reserve;
  const full = windows.slice(0, -1);
  const served = (entries, tool) =>
    entries.filter((entry) => isTool(entry) === tool && entry.status !== 429).length;
  const toolServed = full.map((window) => served(window.entries, true));
  const otherServed = full.map((window) => served(window.entries, false));
  const toolEntries = log.filter((entry) => isTool(entry));
  const otherEntries = log.filter((entry) => !isTool(entry));
  const last = windows.at(-1);
  const first = windows[0];
  const fullSpanMs = last && first && full.length > 0 ? last.start - first.start : Number.NaN;
  const gaps = full.map((window, i) => (windows[i + 1]?.start ?? 0) - window.start - windowMs);
  return {
    windows: windows.length,
    fullWindows: full.length,
    servedPerWindow: mean(toolServed),
    minServed: Math.min(...toolServed),
    maxServed: Math.max(...toolServed),
    otherServedPerWindow: mean(otherServed),
    perWindow: mean(toolServed) / share,
    overTime: toolServed.reduce((sum, value) => sum + value, 0) / ((fullSpanMs / windowMs) * share),
    storePerWindow: (mean(toolServed) + mean(otherServed)) / quota,
    meanGapMs: mean(gaps),
    requests: toolEntries.length,
    rateLimited: toolEntries.filter((entry) => entry.status === 429).length,
    share429: toolEntries.filter((entry) => entry.status === 429).length / toolEntries.length,
    otherRequests: otherEntries.length,
    otherRateLimited: otherEntries.filter((entry) => entry.status === 429).length,
  };
}

/**
 * Figure 2: measured rows/s ÷ the ideal of `concurrency` workers each waiting `latencyMs` per request,
 * `requestsPerRow` requests a row.
 */
export function latencyEfficiency(rowsPerSecond, { concurrency, latencyMs, requestsPerRow = 1 }) {
  const ideal = concurrency / ((latencyMs / 1000) * requestsPerRow);
  return { ideal, ratio: rowsPerSecond / ideal };
}
