/**
 * Issue 4, run-level stops: credentials revoked mid-run (401) and an outage (every request 503 until
 * the run's retry budget is used up). Both stop dispatching at once: rows in flight finish, every
 * other row is reported not_attempted, the exit code says why (2, 3), and there is no retry storm.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStoreDirectory, runBatch } from "../../src/index.js";
import { GENERATED_FIRST_ID, generateSeed, type Sandbox } from "../../src/sandbox/index.js";
import { createRandom, randomInt } from "../../src/sandbox/random.js";
import {
  checkInvariants,
  orderRows,
  type Results,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";
import { credentialsOf, directoryOf } from "../helpers/stores.js";

const ROWS = 60;
const FIRST = GENERATED_FIRST_ID;

interface Input {
  header: string[];
  rows: string[][];
}
const CONCURRENCY = 4;

/** Where the stop lands: a seeded draw, so a failure can be replayed. */
const random = createRandom(4_2026);

/**
 * A note row was reported updated exactly when the store holds its note: nothing applied is
 * reported not applied, and nothing reported applied is missing. (needs_review says "may or may
 * not have been applied": either is right.)
 */
function expectResultsMatchStore(sandbox: Sandbox, results: Results): void {
  for (const row of results.rows) {
    if (row.result === "needs_review") continue;
    const applied = sandbox.store.getOrder(Number(row.order_id))?.staff_notes === row.staff_notes;
    expect(applied, `line ${row.line}: ${row.result}`).toBe(row.result === "updated");
  }
}

async function noteRun(sandbox: Sandbox, extra: readonly string[]) {
  const dir = await tempDir("bc-rel-stops-");
  const input = orderRows(ROWS, "note");
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  const output = join(dir, "orders.results.csv");
  const cli = spawnCli(
    [
      file,
      "-o",
      output,
      "--concurrency",
      String(CONCURRENCY),
      "--backoff-base-ms",
      "5",
      "--backoff-max-ms",
      "20",
      ...extra,
    ],
    { env: sandboxEnv(sandbox) },
  );
  return { cli, input, output, args: [file, "-o", output, "--quiet"] };
}

/**
 * `--resume` after the stop: only the rows not updated before are sent again, and the results
 * end complete, every row updated.
 */
async function expectResumeCompletes(
  sandbox: Sandbox,
  run: { args: string[]; input: Input; output: string; before: Results },
): Promise<void> {
  const logBefore = sandbox.stats().requestLog.length;
  const resumed = await runCli([...run.args, "--resume"], { env: sandboxEnv(sandbox) });
  const results = await readResults(run.output);
  checkInvariants({
    inputRows: ROWS,
    results,
    sandbox,
    run: resumed,
    expectCode: 0,
    input: run.input,
    allowedResults: ["updated"],
  });
  expectResultsMatchStore(sandbox, results);
  const redone = run.before.rows
    .filter((row) => row.result !== "updated")
    .map((row) => Number(row.order_id));
  const touched = sandbox
    .stats()
    .requestLog.slice(logBefore)
    .flatMap((entry) => (entry.orderId === undefined ? [] : [entry.orderId]));
  expect(new Set(touched)).toEqual(new Set(redone));
}

describe("credentials revoked mid-run", () => {
  it("stops at the first 401: no retry storm, the rest not_attempted, exit 2; --resume completes", async () => {
    // Every answer takes 10 ms, so the run is still going when the token is revoked.
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: ROWS } }, latencyMs: 10 });
    const { cli, input, output, args } = await noteRun(sandbox, ["--json"]);
    const revokeAfter = randomInt(random, 4, 20);
    await waitUntil(() => sandbox.stats().writesApplied >= revokeAfter, {
      what: `${revokeAfter} rows applied`,
    });
    sandbox.setAccessToken("revoked-token");
    const run = await cli.result;

    const results = await readResults(output);
    const summary = checkInvariants({
      inputRows: ROWS,
      results,
      sandbox,
      run,
      expectCode: 2,
      input,
      // Rows in flight met the 401 before anything was applied: not_attempted too, so that
      // --resume redoes them once the credentials are fixed.
      allowedResults: ["updated", "not_attempted"],
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ stop_reason: "credentials_rejected" });
    expect(summary.counts.not_attempted ?? 0).toBeGreaterThan(ROWS / 3);
    for (const row of results.rows.filter((r) => r.result !== "updated")) {
      expect(row.error_code, `line ${row.line}`).toBe("E_CREDENTIALS_REJECTED");
    }
    expectResultsMatchStore(sandbox, results);

    // No retry storm: after the first 401, at most one more request per worker, and none retried.
    const log = sandbox.stats().requestLog.sort((a, b) => a.t - b.t);
    const first401 = log.findIndex((entry) => entry.status === 401);
    expect(first401).toBeGreaterThanOrEqual(0);
    expect(log.length - first401 - 1).toBeLessThanOrEqual(CONCURRENCY);

    // Credentials fixed: --resume does exactly the rows not done.
    sandbox.setAccessToken(sandbox.env.BIGCOMMERCE_ACCESS_TOKEN);
    await expectResumeCompletes(sandbox, { args, input, output, before: results });
  });
});

describe("outage", () => {
  it("every request 503: dispatching stops when the retry budget is used up, exit 3", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: ROWS } }, latencyMs: 5 });
    const budget = 6;
    const { cli, input, output, args } = await noteRun(sandbox, [
      "--retry-budget",
      String(budget),
      "--max-attempts",
      "3",
      "--json",
    ]);
    const outageAfter = randomInt(random, 4, 20);
    await waitUntil(() => sandbox.stats().writesApplied >= outageAfter, {
      what: `${outageAfter} rows applied`,
    });
    const logBefore = sandbox.stats().requestLog.length;
    sandbox.setFaults([{ kind: "status", status: 503 }]);
    const run = await cli.result;

    const results = await readResults(output);
    const summary = checkInvariants({
      inputRows: ROWS,
      results,
      sandbox,
      run,
      expectCode: 3,
      input,
      // A PUT answered 503 may have been applied: the rows in flight end needs_review.
      allowedResults: ["updated", "needs_review", "not_attempted"],
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ stop_reason: "outage" });
    expect(summary.counts.not_attempted ?? 0).toBeGreaterThan(ROWS / 3);
    const notAttempted = results.rows.filter((row) => row.result === "not_attempted");
    for (const row of notAttempted) {
      expect(row.error_code, `line ${row.line}`).toBe("E_OUTAGE");
    }
    expectResultsMatchStore(sandbox, results);

    // Bounded: the budget's retries, plus each row's first attempt; then nothing more is sent.
    const during = sandbox.stats().requestLog.length - logBefore;
    expect(during).toBeLessThanOrEqual(budget * 2 + CONCURRENCY * 3);

    // The store is back: --resume does exactly the rows not done (needs_review ones included).
    sandbox.setFaults([]);
    await expectResumeCompletes(sandbox, { args, input, output, before: results });
  });
});

describe("a stop while rows are still being checked", () => {
  it("rows checked after an interrupt are not_attempted, never invalid; --resume applies them", async () => {
    const rows = 200;
    const sandbox = await startE2eSandbox({
      seed: { ...generateSeed(rows), statuses: [{ id: 10, custom_label: "Handed Over" }] },
      latencyMs: 2,
    });
    const dir = await tempDir("bc-rel-stops-");
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "status_id"],
      Array.from({ length: rows }, (_, i) => [String(FIRST + i), "Handed Over"]),
    );
    const output = join(dir, "orders.results.csv");
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const controller = new AbortController();
    // The rows read ahead of the stop (at most max(64, 16 × concurrency)) were checked against the
    // store's statuses; the rest are checked after it.
    const first = await runBatch({
      input,
      mode: "run",
      output,
      stores,
      concurrency: 2,
      signal: controller.signal,
      onRow: (outcome) => {
        if (outcome.line === 4) controller.abort();
      },
    });
    expect(first.stopReason).toBe("interrupted");
    expect(first.byResult.invalid).toBeUndefined();
    expect(first.byResult.not_attempted ?? 0).toBeGreaterThan(rows / 2);

    const second = await runBatch({ input, mode: "run", output, stores, resume: true });
    expect(second.byResult).toEqual({ updated: rows });
    for (let i = 0; i < rows; i++) {
      expect(sandbox.store.getOrder(FIRST + i)?.status_id).toBe(10);
    }
  });
});

describe("one store unreachable for a while", () => {
  it("rows whose store's statuses could not be read are not_attempted (E_HTTP_STATUS); --resume applies them", async () => {
    const rows = 8;
    const main = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const eu = await startE2eSandbox({
      seed: { generate: { orders: rows } },
      faults: [{ route: "order_statuses", kind: "status", status: 503 }],
    });
    const dir = await tempDir("bc-rel-stops-");
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes", "credentials_id"],
      Array.from({ length: rows }, (_, i) => [String(FIRST + i), `eu ${i}`, "eu"]),
    );
    const output = join(dir, "orders.results.csv");
    const stores = directoryOf({ main: credentialsOf(main), eu: credentialsOf(eu) }, "main");
    const options = {
      input,
      mode: "run",
      output,
      stores,
      maxAttempts: 2,
      backoff: { baseMs: 1, maxMs: 2 },
    } as const;
    const first = await runBatch(options);
    expect(first.stopReason).toBeUndefined();
    expect(first.byResult).toEqual({ not_attempted: rows });
    const results = await readResults(output, { secrets: [eu.env.BIGCOMMERCE_ACCESS_TOKEN] });
    for (const row of results.rows) {
      expect(row, `line ${row.line}`).toMatchObject({
        result: "not_attempted",
        error_code: "E_HTTP_STATUS",
      });
    }

    eu.setFaults([]);
    const second = await runBatch({ ...options, resume: true });
    expect(second.byResult).toEqual({ updated: rows });
    expect(eu.store.getOrder(FIRST)?.staff_notes).toBe("eu 0");
  });
});
