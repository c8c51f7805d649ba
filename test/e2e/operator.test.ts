import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  GENERATED_FIRST_ID,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from "../../src/sandbox/index.js";
import {
  checkInvariants,
  expectFatal,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  summaryCounts,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

/** Issue #7: what operations staff and schedulers use — dry run, validate, JSON summary, failed rows, multi-store, --map, check, help. */
let sandbox: Sandbox;
let dir: string;
let input: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  dir = await tempDir("bc-operator-");
  input = join(dir, "orders.csv");
  await copyFile(join(REPO_ROOT, "samples/orders.csv"), input);
});

afterEach(async () => {
  await sandbox.close();
});

const writes = (s: Sandbox) => s.stats().requestLog.filter((entry) => entry.method !== "GET");

describe("--dry-run", () => {
  it("sends only GETs and reports what would change and what would fail", async () => {
    const before = sandbox.store.orders();
    const run = await runCli([input, "--dry-run", "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1);
    expect(writes(sandbox)).toEqual([]);
    expect(sandbox.store.orders()).toEqual(before);
    // Its own default name: a dry run never replaces a real run's results (issue 7).
    const results = await readResults(join(dir, "orders.dry-run.csv"));
    checkInvariants({ inputRows: 16, results, sandbox });
    const rows = new Map(results.rows.map((row) => [row.line, row]));
    expect(rows.get("2")).toMatchObject({
      result: "would_update",
      fields_updated: "status_id",
      order_status_id: "11",
    });
    // The shipment would set Shipped itself: the status is not to be sent (issue 12).
    expect(rows.get("4")).toMatchObject({
      result: "would_update",
      fields_updated: "shipment_created",
    });
    // 12353 is already Shipped and its shipment exists: nothing differs.
    expect(rows.get("13")).toMatchObject({ result: "unchanged", fields_updated: "" });
    expect(rows.get("10")).toMatchObject({ result: "failed", error_code: "E_SEVERAL_ADDRESSES" });
    expect(rows.get("11")).toMatchObject({ result: "failed", error_code: "E_NO_SHIPPING_ADDRESS" });
    expect(rows.get("14")).toMatchObject({ result: "failed", error_code: "E_ORDER_NOT_FOUND" });
    expect(rows.get("15")).toMatchObject({ result: "invalid", error_code: "E_UNKNOWN_STATUS" });
  });
});

describe("validate", () => {
  it("checks offline: no credentials, no network, exit 1 for invalid rows", async () => {
    const run = await runCli(["validate", input, "--json"], { env: {} });
    expect(run.code).toBe(1);
    expect(sandbox.stats().requests).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      rows: 16,
      succeeded: 14,
      failed: 2,
      by_result: { valid: 14, invalid: 2 },
      requests: 0,
    });
    // Its own default name: validate never replaces a real run's results (issue 7).
    const results = await readResults(join(dir, "orders.validate.csv"));
    checkInvariants({ inputRows: 16, results });
  });

  it("exits 0 when every row is valid", async () => {
    const file = join(dir, "ok.csv");
    await writeFile(file, "order_id,status_id\n1,Shipped\n2,11\n");
    expect((await runCli(["validate", file, "--quiet"], { env: {} })).code).toBe(0);
  });
});

describe("summary", () => {
  it("--json prints one JSON object on stdout with the scheduler's fields", async () => {
    const run = await runCli([input, "--json", "--quiet"], { env: sandboxEnv(sandbox) });
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      rows: 16,
      succeeded: 11,
      failed: 5,
      // Line 13's status is already Shipped: unchanged (issue 12).
      by_result: { updated: 9, unchanged: 2, failed: 3, invalid: 2 },
      shipments_created: 3,
      totals_changed: 2,
      rate_limited: 0,
    });
    expect(summary.requests).toBe(sandbox.stats().requests);
    expect(summary.elapsed_ms).toBeGreaterThan(0);
    expect(run.stderr).toBe("");
  });

  it("prints the human summary on stderr, with no escape codes when stderr is not a terminal", async () => {
    const run = await runCli([input], { env: sandboxEnv(sandbox) });
    expect(summaryCounts(run.stderr)).toEqual({
      rows: 16,
      counts: { updated: 9, failed: 3, invalid: 2, unchanged: 2 },
    });
    expect(run.stderr).not.toContain("\u001b[");
    expect(run.stdout).toBe("");
  });
});

describe("failed-rows file", () => {
  it("can be fed straight back in", async () => {
    await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    const failed = join(dir, "orders.results.failed.csv");
    const writesBefore = sandbox.stats().writesApplied;
    const again = await runCli([failed, "--quiet", "--json"], { env: sandboxEnv(sandbox) });
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 5, failed: 5 });
    // The rows still fail the same way (nothing to fix yet), and the re-run writes nothing.
    expect(sandbox.stats().writesApplied).toBe(writesBefore);
  });
});

describe("--map", () => {
  it("renames an export's columns before the header checks", async () => {
    const file = join(dir, "erp.csv");
    await writeFile(file, "Order Number;Tracking;Carrier\n12346;1Z999AA10123450001;UPS\n", "utf8");
    const run = await runCli(
      [
        file,
        "--quiet",
        "--map",
        "Order Number=order_id,Tracking=tracking_number,Carrier=shipping_provider",
      ],
      { env: sandboxEnv(sandbox) },
    );
    expect(run.code).toBe(0);
    expect(sandbox.store.listShipments(12346)).toMatchObject([
      { tracking_number: "1Z999AA10123450001", shipping_provider: "ups" },
    ]);
    const results = await readResults(join(dir, "erp.results.csv"));
    expect(results.header.slice(0, 3)).toEqual(["Order Number", "Tracking", "Carrier"]);
  });

  it("reads the same mapping from a file with --map @file", async () => {
    const file = join(dir, "erp.csv");
    await writeFile(file, "Order Number,New Status\n12346,Completed\n");
    const mapping = join(dir, "mapping.txt");
    await writeFile(mapping, "Order Number=order_id\nNew Status=status_id\n");
    const run = await runCli([file, "--quiet", "--map", `@${mapping}`], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code).toBe(0);
    expect(sandbox.store.getOrder(12346)?.status_id).toBe(10);
  });
});

describe("multi-store credentials", () => {
  /**
   * Store A has a small quota, mostly used up by another app when the run starts (docs/bigcommerce-api.md §8: all
   * apps share the store's quota), so the tool must wait for A's next window; store B has room.
   * With a limiter per store, B's rows go on while A waits (issue #7), and neither store sees a 429.
   */
  it("applies each row to the store its credentials_id names, each with its own limiter, side by side", async () => {
    const WINDOW_MS = 4000; // far longer than a CLI start-up, even on a slow machine
    const QUOTA = 4;
    const RESERVE = 1;
    const started = async (options: SandboxOptions) => {
      const before = performance.now();
      const store = await startE2eSandbox({ seed: { generate: { orders: 4 } }, ...options });
      // Its requestLog times count from its start, somewhere in [before, after].
      return { store, before, after: performance.now() };
    };
    const a = await started({ storeHash: "usstore", quota: QUOTA, windowMs: WINDOW_MS });
    // Slow answers spread B's rows over a few hundred ms.
    const b = await started({ storeHash: "eustore", quota: 100, latencyMs: 150 });
    const credentials = join(dir, "stores.json");
    const entry = (sandbox: Sandbox) => ({
      store_hash: sandbox.info.storeHash,
      access_token: sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
      api_url: sandbox.url,
    });
    await writeFile(credentials, JSON.stringify({ us: entry(a.store), eu: entry(b.store) }), {
      mode: 0o600,
    });
    // A staff note is one PUT. A needs 1 + 3 requests (status list, 3 rows): more than a whole
    // window leaves it (QUOTA - RESERVE), so it waits for a window whatever the start-up time.
    const order = (i: number) => String(GENERATED_FIRST_ID + i);
    const header = ["order_id", "staff_notes", "credentials_id"];
    const rows = [
      ...[0, 1, 2].flatMap((i) => [
        [order(i), `us note ${i}`, "us"],
        [order(i), `eu note ${i}`, "eu"],
      ]),
      [order(3), "eu note 3", "eu"],
    ];
    const file = await writeCsv(join(dir, "multi.csv"), header, rows);
    // Another app leaves 2 requests of A's window: with the reserve, the tool may send 1.
    a.store.consumeQuota(QUOTA - 2);
    const run = await runCli(
      // Per-order reads: a note row is then exactly one PUT, which the windows above are sized for.
      [
        file,
        "--quiet",
        "--credentials",
        credentials,
        "--reserve",
        String(RESERVE),
        "--reads",
        "per-order",
      ],
      { env: {} },
    );

    const results = await readResults(join(dir, "multi.results.csv"));
    checkInvariants({ inputRows: 7, results, run, expectCode: 0, input: { header, rows } });
    for (const [id, note, store] of rows) {
      const other = store === "us" ? b.store : a.store;
      expect((store === "us" ? a.store : b.store).store.getOrder(Number(id))?.staff_notes).toBe(
        note,
      );
      expect(other.store.getOrder(Number(id))?.staff_notes).not.toBe(note);
    }
    const logA = a.store.stats().requestLog;
    const logB = b.store.stats().requestLog;
    expect(logA.map((entry) => `${entry.route} ${entry.status}`).sort()).toEqual([
      "order_put 200",
      "order_put 200",
      "order_put 200",
      "order_statuses 200",
    ]);
    expect(a.store.stats().served429).toBe(0);
    expect(b.store.stats().served429).toBe(0);

    // A waited for its window: its longest pause between two requests, in the test's clock, at
    // its shortest (the two sandboxes' clocks start a few ms apart).
    const arrivalsA = logA.map((entry) => entry.t).sort((x, y) => x - y);
    let pause = { from: 0, to: 0 };
    for (let i = 1; i < arrivalsA.length; i++) {
      const from = a.after + (arrivalsA[i - 1] as number);
      const to = a.before + (arrivalsA[i] as number);
      if (to - from > pause.to - pause.from) pause = { from, to };
    }
    expect(pause.to - pause.from).toBeGreaterThan(WINDOW_MS / 4);
    // B's rows were written, and answered, within that pause: B did not wait for A's window.
    const putsB = logB.filter((entry) => entry.route === "order_put");
    expect(putsB).toHaveLength(4);
    for (const put of putsB) {
      expect(b.before + put.t, "a PUT to B after A paused").toBeGreaterThan(pause.from);
      expect(b.after + put.t + put.durationMs, "answered before A resumed").toBeLessThan(pause.to);
    }
  });

  it("refuses a credentials file others can read, saying how to fix it", async () => {
    const credentials = join(dir, "open.json");
    await writeFile(
      credentials,
      JSON.stringify({ us: { store_hash: "sandbox", access_token: "t" } }),
    );
    await chmod(credentials, 0o644);
    const run = await runCli([input, "--credentials", credentials], { env: {} });
    // The fix, ready to paste.
    expectFatal(run, "E_CREDENTIALS_PERMISSIONS", { names: [`chmod 600 ${credentials}`] });
    expect(sandbox.stats().requests).toBe(0);
  });

  /** A credentials file with one entry ("us", the sandbox) and no default store, then a run of `csv`. */
  async function runWithOneStoreFile(
    csv: string,
  ): Promise<{ code: number | null; rows: Record<string, string>[] }> {
    const credentials = join(dir, "one.json");
    await writeFile(
      credentials,
      JSON.stringify({
        us: { store_hash: "sandbox", access_token: "sandbox-token", api_url: sandbox.url },
      }),
    );
    await chmod(credentials, 0o600);
    const file = join(dir, "multi.csv");
    await writeFile(file, csv);
    const run = await runCli([file, "--quiet", "--credentials", credentials], { env: {} });
    return { code: run.code, rows: (await readResults(join(dir, "multi.results.csv"))).rows };
  }

  it("fails a row that names no store when there is no default store", async () => {
    const { code, rows } = await runWithOneStoreFile(
      "order_id,status_id,credentials_id\n12345,2,us\n12346,2,\n",
    );
    expect(code).toBe(1);
    expect(rows.map((row) => [row.result, row.error_code])).toEqual([
      ["updated", ""],
      ["failed", "E_NO_DEFAULT_STORE"],
    ]);
  });

  it("reports a row naming an unknown credentials id as invalid", async () => {
    const { code, rows } = await runWithOneStoreFile(
      "order_id,status_id,credentials_id\n12345,2,us\n12346,2,asia\n",
    );
    expect(code).toBe(1);
    expect(rows.map((row) => [row.result, row.error_code])).toEqual([
      ["updated", ""],
      ["invalid", "E_UNKNOWN_CREDENTIALS"],
    ]);
    // The error names the id the row gave.
    expect(rows[1]?.error).toContain('"asia"');
  });
});

describe("check", () => {
  it("reports a ready store and exits 0", async () => {
    const run = await runCli(["check", "--json"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ready: true, exit_code: 0, stores: [{ ready: true }] });
    const checks: { ok: boolean; detail: string }[] = report.stores[0].checks;
    expect(checks.every((check) => check.ok)).toBe(true);
    // What it read from the store: its quota (150, the sandbox's default) and its newest order.
    const details = checks.map((check) => check.detail).join("\n");
    expect(details).toMatch(/\b150\b/);
    expect(details).toMatch(/\b12353\b/);
    expect(writes(sandbox)).toEqual([]);
  });

  it("says the credentials were rejected and exits 2", async () => {
    const run = await runCli(["check", "--json"], {
      // A well-formed token the store does not know (shorter than 8 characters is refused first).
      env: { ...sandboxEnv(sandbox), BIGCOMMERCE_ACCESS_TOKEN: "wrong-token-0000" },
    });
    expect(run.code).toBe(2);
    // --json reports each check: the URL is fine, the credentials check fails
    // with the store's 401 and no check runs after it.
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ready: false, exit_code: 2, stores: [{ ready: false }] });
    const checks: { ok: boolean; detail: string }[] = report.stores[0].checks;
    expect(checks.map((check) => check.ok)).toEqual([true, false]);
    expect(checks[1]?.detail).toMatch(/\b401\b/);
  });
});

describe("help and version", () => {
  it("--help shows an example for every common job", async () => {
    const run = await runCli(["--help"], { env: {} });
    expect(run.code).toBe(0);
    for (const job of ["--dry-run", "--resume", "validate", "check", "sandbox", "tracking"]) {
      expect(run.stdout).toContain(job);
    }
  });

  it("--version prints the package version", async () => {
    const version = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")).version;
    expect((await runCli(["--version"], { env: {} })).stdout.trim()).toBe(version);
  });
});
