/**
 * --resume and the failed-rows file keep the rows of one order in file order (issue 2: "the rows
 * of one order run one after another, in file order", so the file's last row wins). Once a row of
 * an order is redone, every later row of that order is redone too; the failed-rows file holds every
 * later row of an order after its first row that did not succeed. And --resume with no results file
 * yet is a fresh run (a cron line that always passes --resume works on its first night).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failedRowsPath } from "../../src/output/write-results.js";
import {
  checkInvariants,
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

/** Fast retries, two attempts per request: a fault on two PUTs uses a row's retries up. */
const FAST = ["--backoff-base-ms", "5", "--backoff-max-ms", "20", "--max-attempts", "2", "--quiet"];

const COMPLETED = "10";
const CANCELLED = "5";
const ORDER = 100000;
const OTHER = 100001;

/** Columns as orderRows writes them: order_id, status_id, staff_notes, then shipment columns. */
const row = (orderId: number, status: string, note = ""): string[] => [
  String(orderId),
  status,
  note,
  "",
  "",
  "",
  "",
];

/** The PUTs of order ORDER after its first `okBefore` are answered 502 (not applied) twice. */
const putFails = (okBefore: number) => [
  {
    method: "PUT" as const,
    orderId: ORDER,
    kind: "status" as const,
    status: 502,
    schedule: { from: okBefore, count: 2 },
  },
];

async function files(rows: string[][]) {
  const dir = await tempDir("bc-resume-order-");
  const input = { header: orderRows(1, "status").header, rows };
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  return { dir, input, file, output: join(dir, "orders.results.csv") };
}

describe("--resume keeps the rows of one order in file order", () => {
  it("redoes every later row of an order once one of its rows is redone: the last row wins", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 2 } },
      // Line 2's PUT works; line 3's two attempts are answered 502; line 4's PUT works.
      faults: putFails(1),
    });
    const { input, file, output } = await files([
      row(ORDER, "", "before the failure"),
      row(ORDER, COMPLETED, ""),
      row(ORDER, CANCELLED, ""),
      row(OTHER, COMPLETED, ""),
    ]);
    const env = sandboxEnv(sandbox);
    const args = [file, "-o", output, ...FAST];

    const first = await runCli(args, { env });
    const before = await readResults(output);
    checkInvariants({ inputRows: 4, results: before, sandbox, run: first, expectCode: 1, input });
    expect(before.rows.map((r) => r.result)).toEqual([
      "updated",
      "needs_review",
      "updated",
      "updated",
    ]);
    expect(sandbox.store.getOrder(ORDER)?.status_id).toBe(Number(CANCELLED));

    // The store is healthy again. Redoing line 3 alone would leave the order Completed.
    sandbox.setFaults([]);
    const logBefore = sandbox.stats().requestLog.length;
    const resumed = await runCli([...args, "--resume"], { env });
    const after = await readResults(output);
    checkInvariants({
      inputRows: 4,
      results: after,
      sandbox,
      run: resumed,
      expectCode: 0,
      input,
      allowedResults: ["updated", "unchanged"],
    });
    expect(sandbox.store.getOrder(ORDER)?.status_id).toBe(Number(CANCELLED));
    expect(sandbox.store.getOrder(ORDER)?.staff_notes).toBe("before the failure");
    expect(after.rows[2]?.order_status_id).toBe(CANCELLED);
    // Line 2 (before the first redone row) and the other order's line were carried over: the
    // resumed run sent exactly lines 3 and 4, in that order.
    const sent = sandbox.stats().requestLog.slice(logBefore);
    const writes = sent.filter((entry) => entry.method !== "GET");
    expect(writes.map((entry) => [entry.route, entry.orderId])).toEqual([
      ["order_put", ORDER],
      ["order_put", ORDER],
    ]);
  });

  it("the failed-rows file holds the later rows of such an order; fed back in, the last row wins", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 2 } },
      faults: putFails(0),
    });
    const { dir, input, file, output } = await files([
      row(OTHER, COMPLETED, "other order, before"),
      row(ORDER, COMPLETED, ""),
      row(ORDER, CANCELLED, ""),
      row(OTHER, CANCELLED, "other order, after"),
    ]);
    const env = sandboxEnv(sandbox);

    const first = await runCli([file, "-o", output, ...FAST], { env });
    const results = await readResults(output);
    checkInvariants({ inputRows: 4, results, sandbox, run: first, expectCode: 1, input });
    expect(results.rows.map((r) => r.result)).toEqual([
      "updated",
      "needs_review",
      "updated",
      "updated",
    ]);

    // Both lines of the order, in file order, with the input's columns only; nothing of the
    // order whose rows all succeeded.
    const failedFile = failedRowsPath(output);
    const failed = await readResults(failedFile);
    expect(failed.header).toEqual(input.header);
    expect(failed.records).toEqual([input.rows[1], input.rows[2]]);

    // Fed back in once the store is fine: the order ends with its last row's status.
    sandbox.setFaults([]);
    const again = join(dir, "again.results.csv");
    const rerun = await runCli([failedFile, "-o", again, ...FAST], { env });
    const rerunResults = await readResults(again);
    checkInvariants({
      inputRows: 2,
      results: rerunResults,
      sandbox,
      run: rerun,
      expectCode: 0,
      input: { header: input.header, rows: [input.rows[1] ?? [], input.rows[2] ?? []] },
      allowedResults: ["updated"],
    });
    expect(sandbox.store.getOrder(ORDER)?.status_id).toBe(Number(CANCELLED));
    expect(sandbox.store.getOrder(OTHER)?.status_id).toBe(Number(CANCELLED));
  });

  it("a failed row a person fixes: the failed-rows file keeps the order's later rows with it", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 1 } } });
    // Line 2 has a status no store knows (invalid); line 3 is applied.
    const { dir, input, file, output } = await files([
      row(ORDER, "Complted", ""),
      row(ORDER, CANCELLED, ""),
    ]);
    const env = sandboxEnv(sandbox);
    const first = await runCli([file, "-o", output, ...FAST], { env });
    const results = await readResults(output);
    checkInvariants({ inputRows: 2, results, sandbox, run: first, expectCode: 1, input });
    expect(results.rows.map((r) => r.result)).toEqual(["invalid", "updated"]);

    const failedFile = failedRowsPath(output);
    const failed = await readResults(failedFile);
    expect(failed.records).toEqual(input.rows);

    // The person fixes the typo in the failed-rows file and runs it.
    const fixed = await writeCsv(join(dir, "fixed.csv"), input.header, [
      row(ORDER, COMPLETED, ""),
      failed.records[1] ?? [],
    ]);
    const rerun = await runCli([fixed, ...FAST], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sandbox.store.getOrder(ORDER)?.status_id).toBe(Number(CANCELLED));
  });
});

describe("--resume without a results file", () => {
  it("is a fresh run: every row applied, a notice on stderr, nothing stray left behind", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const { input, file, output } = await files([
      row(ORDER, COMPLETED, "first night"),
      row(OTHER, CANCELLED, ""),
    ]);
    const env = sandboxEnv(sandbox);
    const run = await runCli([file, "-o", output, "--resume", ...FAST], { env });
    const results = await readResults(output);
    checkInvariants({
      inputRows: 2,
      results,
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(sandbox.store.getOrder(ORDER)?.status_id).toBe(Number(COMPLETED));
    expect(sandbox.store.getOrder(OTHER)?.status_id).toBe(Number(CANCELLED));
    // A notice (warnings show despite --quiet) naming the results file; no stack trace.
    expect(run.stderr).toContain(output);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(`${output}.partial`)).toBe(false);
    expect(existsSync(failedRowsPath(output))).toBe(false);

    // The next night's --resume finds the results and carries every row over.
    const logBefore = sandbox.stats().requestLog.length;
    const next = await runCli([file, "-o", output, "--resume", ...FAST], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain(output);
    const sent = sandbox.stats().requestLog.slice(logBefore);
    expect(sent.filter((entry) => entry.orderId !== undefined)).toEqual([]);
    expect((await readResults(output)).rows.map((r) => r.result)).toEqual(["updated", "updated"]);
  });

  it("a failing row still gets its failed-rows file", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 1 } } });
    const { input, file, output } = await files([row(ORDER, "Complted", "")]);
    const run = await runCli([file, "-o", output, "--resume", ...FAST], {
      env: sandboxEnv(sandbox),
    });
    const results = await readResults(output);
    checkInvariants({ inputRows: 1, results, sandbox, run, expectCode: 1, input });
    expect((await readResults(failedRowsPath(output))).records).toEqual(input.rows);
    expect(existsSync(`${output}.partial`)).toBe(false);
  });
});
