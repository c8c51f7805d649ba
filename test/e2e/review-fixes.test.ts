/**
 * The code review of the run pipeline (issues 2, 4): each test fails without its fix. Library
 * runs (runBatch in-process) where a test needs to act between rows or read outcomes; the built
 * CLI where the process itself is the subject (exit codes, pipes, unhandled events).
 */
import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RetryQuota } from "../../src/api/retry-policy.js";
import { StoreRegistry } from "../../src/apply/stores.js";
import type { StoreCredentials, StoreDirectory } from "../../src/credentials.js";
import { CredentialsError } from "../../src/errors.js";
import { loadStoreDirectory, type RowOutcome, runBatch } from "../../src/index.js";
import { GENERATED_FIRST_ID, generateSeed, type Sandbox } from "../../src/sandbox/index.js";
import {
  orderRows,
  REPO_ROOT,
  readResults,
  runCli,
  runNode,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

const FIRST = GENERATED_FIRST_ID;

/** A directory of named stores, as a credentials file gives it, without the file. */
function directoryOf(
  entries: Record<string, StoreCredentials>,
  defaultId: string | undefined,
): StoreDirectory {
  return {
    ids: new Set(Object.keys(entries)),
    defaultId,
    get(id) {
      const found = entries[id ?? defaultId ?? ""];
      if (!found) throw new CredentialsError("E_UNKNOWN_CREDENTIALS", `unknown "${id}"`);
      return found;
    },
  };
}

function credentialsOf(sandbox: Sandbox, apiUrl = sandbox.env.BIGCOMMERCE_API_URL) {
  return {
    storeHash: sandbox.env.BIGCOMMERCE_STORE_HASH,
    accessToken: sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
    apiUrl,
  };
}

/** Order ids of the requests the sandbox handled after `from` (an index into its request log). */
function ordersTouched(sandbox: Sandbox, from: number): number[] {
  return sandbox
    .stats()
    .requestLog.slice(from)
    .flatMap((entry) => (entry.orderId === undefined ? [] : [entry.orderId]));
}

describe("1. a renamed status after a stop", () => {
  it("rows checked after an interrupt are not_attempted, never invalid; --resume applies them", async () => {
    const rows = 200;
    const sandbox = await startE2eSandbox({
      seed: { ...generateSeed(rows), statuses: [{ id: 10, custom_label: "Handed Over" }] },
      latencyMs: 2,
    });
    const dir = await tempDir("bc-review-");
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
    for (let i = 0; i < rows; i++) expect(sandbox.store.getOrder(FIRST + i)?.status_id).toBe(10);
  });
});

describe("2, 8, 9. --resume", () => {
  it("with --map, matches rows by the mapped order_id column: nothing is redone, outcomes carry the order", async () => {
    const rows = 20;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const dir = await tempDir("bc-review-");
    const input = await writeCsv(
      join(dir, "erp.csv"),
      ["Order Number", "Notes"],
      Array.from({ length: rows }, (_, i) => [String(FIRST + i), `mapped ${i}`]),
    );
    const output = join(dir, "erp.results.csv");
    const read = { columnMap: { "Order Number": "order_id", Notes: "staff_notes" } };
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores, read });
    expect(first.byResult).toEqual({ updated: rows });

    const logBefore = sandbox.stats().requestLog.length;
    const seen: RowOutcome[] = [];
    const second = await runBatch({
      input,
      mode: "run",
      output,
      stores,
      read,
      resume: true,
      onRow: (outcome) => seen.push(outcome),
    });
    expect(second.byResult).toEqual({ updated: rows });
    expect(ordersTouched(sandbox, logBefore)).toEqual([]);
    expect(seen.map((outcome) => outcome.orderId)).toEqual(
      Array.from({ length: rows }, (_, i) => FIRST + i),
    );
  });

  it("redoes a row edited since the earlier run; a row written with a leading ' is still matched", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const dir = await tempDir("bc-review-");
    const header = ["order_id", "status_id", "staff_notes"];
    const file = join(dir, "orders.csv");
    const rows = [
      [String(FIRST), "Shiped", ""],
      // Starts like a formula: the results file shows it as '-5 units (csv-line.ts).
      [String(FIRST + 1), "", "-5 units, see =SUM(A1)"],
      [String(FIRST + 2), "", "plain"],
    ];
    const input = await writeCsv(file, header, rows);
    const output = join(dir, "orders.results.csv");
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores });
    expect(first.byResult).toEqual({ invalid: 1, updated: 2 });

    // The typo is fixed on the same line, for the same order.
    await writeCsv(file, header, [[String(FIRST), "Shipped", ""], ...rows.slice(1)]);
    const logBefore = sandbox.stats().requestLog.length;
    const second = await runBatch({ input, mode: "run", output, stores, resume: true });
    expect(second.byResult).toEqual({ updated: 3 });
    expect(ordersTouched(sandbox, logBefore)).toEqual([FIRST]);
    expect(sandbox.store.getOrder(FIRST)?.status_id).toBe(2);
    const results = await readResults(output, { secrets: [sandbox.env.BIGCOMMERCE_ACCESS_TOKEN] });
    expect(results.rows.map((row) => row.result)).toEqual(["updated", "updated", "updated"]);
    expect(results.rows[1]?.staff_notes).toBe("'-5 units, see =SUM(A1)");
  });

  it("the summary counts what this run did; rows carried over reach onRow with their record's values", async () => {
    const rows = 6;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const dir = await tempDir("bc-review-");
    const { header, rows: data } = orderRows(rows, "shipment");
    const input = await writeCsv(join(dir, "tracking.csv"), header, data);
    const output = join(dir, "tracking.results.csv");
    const stores = await loadStoreDirectory({ env: sandbox.env });
    const first = await runBatch({ input, mode: "run", output, stores });
    expect(first.shipmentsCreated).toBe(rows);

    const seen: RowOutcome[] = [];
    const second = await runBatch({
      input,
      mode: "run",
      output,
      stores,
      resume: true,
      onRow: (outcome) => seen.push(outcome),
    });
    expect(second).toMatchObject({ rows, shipmentsCreated: 0, totalsChanged: 0 });
    expect(second.byResult).toEqual({ updated: rows });
    seen.forEach((outcome, i) => {
      const orderId = FIRST + i;
      const [shipment] = sandbox.store.listShipments(orderId);
      expect(outcome).toMatchObject({
        orderId,
        result: "updated",
        fieldsUpdated: ["shipment_created"],
        shipmentId: shipment?.id,
        orderStatusId: sandbox.store.getOrder(orderId)?.status_id,
      });
      expect(outcome.shipmentCreated).toBeFalsy();
    });
  });
});

describe("3. an output that cannot be written", () => {
  it("an unwritable results path: exit 2 naming it, before anything is sent", async () => {
    const dir = await tempDir("bc-review-");
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes"],
      [["1", "a"]],
    );
    const output = join(dir, "missing", "out.csv");
    const run = await runCli(["validate", input, "-o", output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_OUTPUT_UNWRITABLE]");
    expect(run.stderr).toContain(output);
    expect(run.stderr).not.toMatch(/Unhandled|internal error/);
  });

  it("a failed-rows path that is a directory: exit 2 naming it, and no empty results file left", async () => {
    const dir = await tempDir("bc-review-");
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes"],
      [["1", "a"]],
    );
    const output = join(dir, "out.csv");
    await mkdir(join(dir, "out.failed.csv"));
    const run = await runCli(["validate", input, "-o", output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_OUTPUT_UNWRITABLE]");
    expect(run.stderr).toContain("out.failed.csv");
    expect(existsSync(output)).toBe(false);
  });

  it("a write failing mid-run (a full disk): exit 2 with E_OUTPUT_WRITE, no crash, no hang", async () => {
    const dir = await tempDir("bc-review-");
    const rows = Array.from({ length: 5000 }, (_, i) => [String(i + 1), `note ${i}`]);
    const input = await writeCsv(join(dir, "orders.csv"), ["order_id", "staff_notes"], rows);
    // Writing to /dev/full fails with ENOSPC, like a full disk.
    const output = join(dir, "out.csv");
    await symlink("/dev/full", output);
    const run = await runCli(["validate", input, "-o", output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_OUTPUT_WRITE]");
    expect(run.stderr).not.toMatch(/Unhandled|internal error/);
  });

  it("the failed-rows file failing during a run stops it: few rows applied, exit 2", async () => {
    const rows = 40;
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: rows } },
      latencyMs: 20,
    });
    const dir = await tempDir("bc-review-");
    const { header, rows: data } = orderRows(rows, "note");
    const input = await writeCsv(join(dir, "orders.csv"), header, data);
    const output = join(dir, "orders.results.csv");
    await symlink("/dev/full", join(dir, "orders.results.failed.csv"));
    const run = await runCli([input, "-o", output, "--concurrency", "2", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_OUTPUT_WRITE]");
    expect(run.stderr).toContain("orders.results.failed.csv");
    expect(run.stderr).not.toMatch(/Unhandled|internal error/);
    expect(sandbox.stats().writesApplied).toBeLessThan(rows / 2);
  });
});

describe("4. -o - into a reader that stops early (| head)", () => {
  it("validate: the CLI stops, prints its summary on stderr and exits 130", async () => {
    const dir = await tempDir("bc-review-");
    const rows = Array.from({ length: 100_000 }, (_, i) => [String(i + 1), `n${i}`]);
    const input = await writeCsv(join(dir, "big.csv"), ["order_id", "staff_notes"], rows);
    const cli = spawnCli(["validate", input, "-o", "-"]);
    await cli.waitForOutput(/,valid,/, "stdout");
    cli.child.stdout?.destroy();
    const run = await cli.result;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("stopped early: interrupted");
    expect(run.stderr).not.toMatch(/Unhandled|internal error|unsettled/i);
  });

  it("a run: stops starting rows once stdout is gone, summary on stderr, exit 130", async () => {
    const rows = 600;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: rows } }, latencyMs: 5 });
    const dir = await tempDir("bc-review-");
    const { header, rows: data } = orderRows(rows, "note");
    const input = await writeCsv(join(dir, "orders.csv"), header, data);
    const cli = spawnCli([input, "-o", "-", "--concurrency", "2"], { env: sandboxEnv(sandbox) });
    await cli.waitForOutput(/,updated,/, "stdout");
    cli.child.stdout?.destroy();
    const run = await cli.result;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/not_attempted \d+/);
    expect(run.stderr).toContain("stopped early: interrupted");
    expect(sandbox.stats().writesApplied).toBeLessThan(rows / 2);
  });
});

describe("5. a failing pipeline", () => {
  it("runBatch rejects with the error and leaves no unhandled rejection behind", async () => {
    const dir = await tempDir("bc-review-");
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes"],
      [
        ["1", "a"],
        ["2", "b"],
      ],
    );
    const script = `
      import { Writable } from "node:stream";
      import { runBatch } from "bc-order-batch";
      const output = new Writable({ write(chunk, encoding, done) { done(); } });
      const error = await runBatch({
        input: process.argv[1], mode: "validate", output,
        onRow: () => { throw Object.assign(new Error("boom"), { code: "E_CALLER" }); },
      }).catch((e) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      console.log(JSON.stringify({ code: error.code }));`;
    const run = await runNode(["--input-type=module", "-e", script, input], { cwd: REPO_ROOT });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ code: "E_CALLER" });
  });
});

describe("6. the store unreachable for a while", () => {
  it("rows whose store's statuses could not be read are not_attempted; --resume applies them", async () => {
    const rows = 8;
    const main = await startE2eSandbox({ seed: { generate: { orders: rows } } });
    const eu = await startE2eSandbox({
      seed: { generate: { orders: rows } },
      faults: [{ route: "order_statuses", kind: "status", status: 503 }],
    });
    const dir = await tempDir("bc-review-");
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
    for (const row of results.rows) expect(row.error).toContain("HTTP 503");

    eu.setFaults([]);
    const second = await runBatch({ ...options, resume: true });
    expect(second.byResult).toEqual({ updated: rows });
    expect(eu.store.getOrder(FIRST)?.staff_notes).toBe("eu 0");
  });
});

describe("7. one store, however its credentials spell it", () => {
  it("one client for http://h and http://h/ and any case of the hash; another hash is another store", async () => {
    const sandbox = await startE2eSandbox();
    const url = sandbox.env.BIGCOMMERCE_API_URL;
    const hash = sandbox.env.BIGCOMMERCE_STORE_HASH;
    const controller = new AbortController();
    const registry = new StoreRegistry({
      directory: directoryOf(
        {
          a: credentialsOf(sandbox),
          b: credentialsOf(sandbox, `${url}/`),
          c: { ...credentialsOf(sandbox, `${url}//`), storeHash: hash.toUpperCase() },
          d: { ...credentialsOf(sandbox), storeHash: `${hash}2` },
        },
        "a",
      ),
      userAgent: "test",
      retryQuota: new RetryQuota(),
      signal: controller.signal,
    });
    try {
      const store = registry.get("a");
      expect(registry.get("b")).toBe(store);
      expect(registry.get("c")).toBe(store);
      expect(registry.get("d")).not.toBe(store);
      expect(registry.stats()).toHaveLength(2);
    } finally {
      controller.abort();
    }
  });

  it("rows of one order under two spellings of the store never run side by side", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 2 } }, latencyMs: 10 });
    const dir = await tempDir("bc-review-");
    const rows = 24;
    const input = await writeCsv(
      join(dir, "orders.csv"),
      ["order_id", "staff_notes", "credentials_id"],
      Array.from({ length: rows }, (_, i) => [
        String(FIRST + (i % 2)),
        `note ${i}`,
        i % 4 < 2 ? "plain" : "slash",
      ]),
    );
    const url = sandbox.env.BIGCOMMERCE_API_URL;
    const summary = await runBatch({
      input,
      mode: "run",
      output: join(dir, "out.csv"),
      concurrency: 4,
      stores: directoryOf(
        { plain: credentialsOf(sandbox), slash: credentialsOf(sandbox, `${url}/`) },
        "plain",
      ),
    });
    expect(summary.byResult).toEqual({ updated: rows });
    expect(sandbox.stats().maxInFlightPerOrder).toBe(1);
    // Each order ends with the note of its last row (file order kept per order).
    expect(sandbox.store.getOrder(FIRST)?.staff_notes).toBe(`note ${rows - 2}`);
    expect(sandbox.store.getOrder(FIRST + 1)?.staff_notes).toBe(`note ${rows - 1}`);
  });
});
