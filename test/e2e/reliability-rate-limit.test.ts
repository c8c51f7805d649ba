/**
 * Issue 4, "Rate limits": the built CLI against a sandbox store with a small quota window (scaled
 * down from BigCommerce's 150 per 30 s, docs/bigcommerce-api.md §8). One gate per store pauses every worker before
 * the quota runs out (so 429s are rare) and after a 429 until the wait the server asked for is over:
 * no request is sent inside an open 429 window, with or without rate-limit headers, and also when
 * the store's other apps use up the quota. Checked from the sandbox's own request log.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RequestLogEntry, Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  orderRows,
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
 * Requests already on their way when a 429 was answered may still arrive after it: the client
 * cannot recall them. Only requests arriving later than this after the 429 count as sent into the
 * window. Generous, for a loaded 2-core machine; the windows checked are 300-1000 ms long.
 */
const IN_FLIGHT_SLACK_MS = 100;

/** Clock granularity between the sandbox's log and the client's timers. */
const CLOCK_MS = 5;

/**
 * Requests that arrived inside the window a 429 opened: later than IN_FLIGHT_SLACK_MS after the 429
 * was answered, and before `waitMs` after it. The check cannot be fooled by a slow machine: load
 * only delays requests, which moves them out of the window.
 */
function requestsInside429Windows(
  log: readonly RequestLogEntry[],
  waitMs: number,
): { at429: number; request: RequestLogEntry }[] {
  const sorted = [...log].sort((a, b) => a.t - b.t);
  const inside: { at429: number; request: RequestLogEntry }[] = [];
  for (const limited of sorted.filter((entry) => entry.status === 429)) {
    const answered = limited.t + limited.durationMs;
    for (const request of sorted) {
      if (request.t > answered + IN_FLIGHT_SLACK_MS && request.t < answered + waitMs - CLOCK_MS) {
        inside.push({ at429: answered, request });
      }
    }
  }
  return inside;
}

/** Requests that arrived after the last 429's window: the run did go on once it was over. */
function requestsAfter429Windows(log: readonly RequestLogEntry[], waitMs: number): number {
  const ends = log
    .filter((entry) => entry.status === 429)
    .map((entry) => entry.t + entry.durationMs + waitMs);
  const lastEnd = Math.max(...ends);
  return log.filter((entry) => entry.t >= lastEnd - CLOCK_MS).length;
}

/**
 * The sandbox's fixed windows, rebuilt from the log: a window starts with the first request after
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

async function statusRows(n: number) {
  const dir = await tempDir("bc-rel-rate-");
  const input = orderRows(n, "status");
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  return { input, file, output: join(dir, "orders.results.csv") };
}

async function checkRun(
  sandbox: Sandbox,
  n: number,
  input: { header: string[]; rows: string[][] },
  output: string,
  run: Awaited<ReturnType<typeof runCli>>,
) {
  return checkInvariants({
    inputRows: n,
    results: await readResults(output),
    sandbox,
    run,
    expectCode: 0,
    input,
    allowedResults: ["updated"],
  });
}

describe("rate limits", () => {
  it("stays inside the quota minus --reserve, without running into 429s", async () => {
    const quota = 30;
    const windowMs = 600;
    const reserve = 10;
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 70 } },
      quota,
      windowMs,
    });
    const { input, file, output } = await statusRows(70);
    const run = await runCli(
      [file, "-o", output, "--quiet", "--concurrency", "4", "--reserve", String(reserve)],
      { env: sandboxEnv(sandbox) },
    );
    await checkRun(sandbox, 70, input, output, run);
    const stats = sandbox.stats();
    expect(stats.served429).toBe(0);
    const perWindow = requestsPerWindow(stats.requestLog, windowMs);
    // 71 requests (the statuses, then one PUT per row) need at least 4 windows of 20.
    expect(perWindow.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(quota - reserve);
  });

  it("after a 429 with headers, waits the longer of X-Retry-After and the reset, all workers", async () => {
    // A large quota (the headers are sent) that this run never uses up; two injected 429s say
    // "X-Retry-After: 1" while the window resets in at most 600 ms: the client must wait 1 s.
    // Answers take 20 ms, so the run goes on well past each window.
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 60 } },
      quota: 10_000,
      windowMs: 600,
      latencyMs: 20,
      faults: [{ kind: "rate_limit", schedule: { from: 4, count: 12, every: 6 } }],
    });
    const { input, file, output } = await statusRows(60);
    const run = await runCli([file, "-o", output, "--quiet", "--concurrency", "4"], {
      env: sandboxEnv(sandbox),
    });
    await checkRun(sandbox, 60, input, output, run);
    const log = sandbox.stats().requestLog;
    expect(log.filter((entry) => entry.status === 429)).toHaveLength(2);
    expect(requestsInside429Windows(log, 1000)).toEqual([]);
    expect(requestsAfter429Windows(log, 1000)).toBeGreaterThan(0);
  });

  it("after a 429 without headers, every worker backs off", async () => {
    // No quota headers at all (unlimited store); a bare 429 means "platform under load"
    // (docs/bigcommerce-api.md §8): the gate pauses everyone for at least half of --backoff-base-ms.
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 60 } },
      latencyMs: 20,
      faults: [
        { kind: "rate_limit", withHeaders: false, schedule: { from: 4, count: 12, every: 6 } },
      ],
    });
    const { input, file, output } = await statusRows(60);
    const run = await runCli(
      [file, "-o", output, "--quiet", "--concurrency", "4", "--backoff-base-ms", "800"],
      { env: sandboxEnv(sandbox) },
    );
    await checkRun(sandbox, 60, input, output, run);
    const log = sandbox.stats().requestLog;
    expect(log.filter((entry) => entry.status === 429)).toHaveLength(2);
    expect(requestsInside429Windows(log, 400)).toEqual([]);
    expect(requestsAfter429Windows(log, 400)).toBeGreaterThan(0);
  });

  it("when another app uses up the quota: a few 429s, then nobody sends until the window is over", async () => {
    const quota = 30;
    const windowMs = 1000;
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 40 } },
      quota,
      windowMs,
      latencyMs: 10,
    });
    const { input, file, output } = await statusRows(40);
    const concurrency = 3;
    const cli = spawnCli([file, "-o", output, "--quiet", "--concurrency", String(concurrency)], {
      env: sandboxEnv(sandbox),
    });
    // Early in the first window (the client sends at most 27 of its 30), the store's other apps
    // take everything that is left.
    await waitUntil(() => sandbox.stats().requests >= 8, { what: "8 requests" });
    sandbox.consumeQuota(quota);
    const run = await cli.result;
    await checkRun(sandbox, 40, input, output, run);
    const log = sandbox.stats().requestLog;
    const limited = log.filter((entry) => entry.status === 429);
    // Only the requests already in flight hit the empty window.
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeLessThanOrEqual(concurrency);
    // X-Retry-After is 1 s (whole seconds, rounded up); the window ends sooner, so 1 s it is.
    expect(requestsInside429Windows(log, 1000)).toEqual([]);
  });
});
