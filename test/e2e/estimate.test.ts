// The time estimate, before the first write (issue 14): rows → requests → time at the store's
// quota, less the reserve; exact in a dry run.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import {
  checkInvariants,
  orderRows,
  readResults,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/e2e.js";

async function input(n: number) {
  const dir = await tempDir();
  const status = orderRows(n, "status", { status: "10" });
  const file = await writeCsv(join(dir, "orders.csv"), status.header, status.rows);
  return { dir, file };
}

describe("the estimate", () => {
  it("says how long the run takes at the quota the store announced, before the first write", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 40 } },
      quota: 60,
      windowMs: 2000,
    });
    const { dir, file } = await input(40);
    const output = join(dir, "orders.results.csv");
    const run = await runCli([file, "-o", output, "--json", "--reserve", "6"], {
      env: sandboxEnv(sandbox),
    });
    const results = await readResults(output);
    checkInvariants({ inputRows: 40, results, sandbox, run, expectCode: 0 });
    const json = JSON.parse(run.stdout) as { estimate: Record<string, number | boolean> };
    expect(json.estimate).toMatchObject({
      rows: 40,
      requests_per_window: 54, // the store's 60, less --reserve 6
      window_ms: 2000,
      quota_known: true,
      exact: false,
    });
    expect(json.estimate.requests as number).toBeGreaterThanOrEqual(40);
    expect(json.estimate.seconds).toBe(Math.round(((json.estimate.requests as number) / 54) * 2));
    // Printed before the run's first write: the line comes before the summary.
    const lines = run.stderr.split("\n");
    const at = lines.findIndex((line) => line.startsWith("estimate: 40 rows"));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(lines.findIndex((line) => /^40 rows/.test(line)));
  });

  it("a dry run counts what the real run would send: exact", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 20 } }, quota: 100 });
    const { dir, file } = await input(20);
    const output = join(dir, "orders.dry-run.csv");
    const run = await runCli([file, "-o", output, "--json", "--dry-run"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as {
      estimate: Record<string, number | boolean>;
      requests: number;
      by_result: Record<string, number>;
    };
    expect(json.estimate).toMatchObject({ rows: 20, exact: true });
    // The reads this dry run made, and one PUT per row that would change.
    expect(json.estimate.requests).toBe(json.requests + (json.by_result.would_update ?? 0));
  });
});
