/**
 * Issue 3, "two runs at once": a run holds `<results>.lock` (pid, host, start time) while it runs.
 * A second run on the same results file (a cron job overlapping last night's, a `--resume` started
 * beside the first) exits 2 with E_RESULTS_LOCKED before any request and before touching the
 * results; the first run finishes untouched. A lock whose process is gone is taken over with a
 * warning; one from another host is not. The lock is gone after every ending.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  spawnNode,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

async function writeInput(rows: number, kind: "mixed" | "note" | "shipment" = "mixed") {
  const dir = await tempDir("bc-locks-");
  const input = orderRows(rows, kind);
  const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
  const output = join(dir, "orders.results.csv");
  return { dir, input, file, output, lock: `${output}.lock` };
}

/** The pid of a process that has exited (and been reaped): no process has it now. */
async function deadPid(): Promise<number> {
  const child = spawnNode(["-e", ""]);
  await child.result;
  const pid = child.child.pid;
  if (pid === undefined) throw new Error("the child had no pid");
  return pid;
}

describe("one run per results file", () => {
  it("a second run, --resume or validate on the results file of a running run exits 2 at once; the first finishes correctly", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 40 } }, latencyMs: 40 });
    // The second runs point at a store of their own: any request they sent would show there.
    const other = await startE2eSandbox({ seed: { generate: { orders: 40 } } });
    const { input, file, output, lock } = await writeInput(40);
    const first = spawnCli([file, "-o", output, "--concurrency", "1", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    await waitUntil(() => sandbox.stats().writesApplied >= 2, { what: "the first run writing" });

    // The lock names the first run.
    const holder = JSON.parse(await readFile(lock, "utf8")) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: first.child.pid, host: hostname() });
    expect(Number.isNaN(Date.parse(String(holder.started)))).toBe(false);

    for (const args of [
      [file, "-o", output, "--quiet"],
      [file, "-o", output, "--resume", "--quiet"],
      [file, "-o", output, "--dry-run", "--quiet"],
      ["validate", file, "-o", output, "--quiet"],
    ]) {
      const second = await runCli(args, { env: sandboxEnv(other) });
      expect(second.code, `${args.join(" ")}: ${second.stderr}`).toBe(2);
      expect(second.stderr).toContain("[E_RESULTS_LOCKED]");
      expect(second.stderr).toContain(lock);
      expect(second.stderr).toContain(String(first.child.pid));
      expect(existsSync(`${output}.partial`)).toBe(false);
    }
    expect(other.stats().requests).toBe(0);
    // The first run was still going: the second ones were refused while it held the lock.
    expect(first.child.exitCode).toBe(null);

    const run = await first.result;
    const results = await readResults(output);
    checkInvariants({
      inputRows: 40,
      results,
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(existsSync(lock)).toBe(false);
  });

  it("a stale lock (its process gone) is taken over with a warning, and the run succeeds", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 6 } } });
    const { input, file, output, lock } = await writeInput(6);
    const pid = await deadPid();
    await writeFile(
      lock,
      JSON.stringify({ pid, host: hostname(), started: "2026-01-01T02:00:00.000Z" }),
    );
    const run = await runCli([file, "-o", output, "--quiet"], { env: sandboxEnv(sandbox) });
    checkInvariants({
      inputRows: 6,
      results: await readResults(output),
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    const warning = run.stderr.split("\n").find((line) => line.startsWith("warning:")) ?? "";
    expect(warning).toContain(lock);
    expect(warning).toContain(String(pid));
    expect(existsSync(lock)).toBe(false);
  });

  it("a lock from another host is never taken over: exit 2, nothing sent, nothing written", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 6 } } });
    const { file, output, lock } = await writeInput(6);
    const content = JSON.stringify({
      pid: await deadPid(),
      host: `not-${hostname()}.example`,
      started: "2026-01-01T02:00:00.000Z",
    });
    await writeFile(lock, content);
    const run = await runCli([file, "-o", output, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_RESULTS_LOCKED]");
    expect(run.stderr).toContain(`not-${hostname()}.example`);
    expect(sandbox.stats().requests).toBe(0);
    expect(existsSync(output)).toBe(false);
    expect(await readFile(lock, "utf8")).toBe(content);
  });

  it("the lock is removed when a run fails, and when a second Ctrl-C ends it at once", async () => {
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: 8 } },
      faults: [{ method: "PUT", kind: "hang", schedule: { from: 2 } }],
    });
    const { file, output, lock } = await writeInput(8, "note");

    // Credentials rejected before the first row: a failure ending.
    const rejected = await runCli([file, "-o", output, "--quiet"], {
      env: sandboxEnv(sandbox, { BIGCOMMERCE_ACCESS_TOKEN: "wrong-token-1234" }),
    });
    expect(rejected.code).toBe(2);
    expect(existsSync(lock)).toBe(false);

    // The third PUT hangs and holds the run; two SIGINTs end it without its `finally`.
    const cli = spawnCli([file, "-o", output, "--concurrency", "1", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    await waitUntil(() => {
      const stats = sandbox.stats();
      return (stats.byRoute.order_put ?? 0) >= 2 && stats.requests > stats.requestLog.length;
    });
    expect(existsSync(lock)).toBe(true);
    cli.child.kill("SIGINT");
    await cli.waitForOutput(/SIGINT/);
    cli.child.kill("SIGINT");
    const run = await cli.result;
    expect(run.code).toBe(130);
    expect(existsSync(lock)).toBe(false);
  });

  it("a kill -9 leaves a stale lock that the next --resume takes over", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 20 } }, latencyMs: 20 });
    const { input, file, output, lock } = await writeInput(20, "shipment");
    const env = sandboxEnv(sandbox);
    const cli = spawnCli([file, "-o", output, "--concurrency", "2", "--quiet"], { env });
    await waitUntil(() => sandbox.stats().writesApplied >= 3);
    cli.child.kill("SIGKILL");
    await cli.result;
    expect(existsSync(lock)).toBe(true);
    const resumed = await runCli([file, "-o", output, "--resume", "--quiet"], { env });
    checkInvariants({
      inputRows: 20,
      results: await readResults(output),
      sandbox,
      run: resumed,
      expectCode: 0,
      input,
      allowedResults: ["updated", "unchanged"],
    });
    expect(resumed.stderr).toMatch(/^warning:/m);
    expect(existsSync(lock)).toBe(false);
  });
});
