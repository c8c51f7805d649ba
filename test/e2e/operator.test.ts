import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  tempDir,
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
    const results = await readResults(join(dir, "orders.results.csv"));
    checkInvariants({ inputRows: 16, results, sandbox });
    const rows = new Map(results.rows.map((row) => [row.line, row]));
    expect(rows.get("2")).toMatchObject({
      result: "would_update",
      fields_updated: "status_id",
      order_status_id: "11",
    });
    expect(rows.get("4")).toMatchObject({
      result: "would_update",
      fields_updated: "shipment_created;status_id",
    });
    // 12353 is already Shipped and its shipment exists: nothing differs.
    expect(rows.get("13")).toMatchObject({ result: "unchanged", fields_updated: "" });
    expect(rows.get("10")).toMatchObject({ result: "failed" });
    expect(rows.get("11")?.error).toContain("no shipping address");
    expect(rows.get("14")?.error).toContain("not found");
    expect(rows.get("15")).toMatchObject({ result: "invalid" });
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
    const results = await readResults(join(dir, "orders.results.csv"));
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
      by_result: { updated: 10, unchanged: 1, failed: 3, invalid: 2 },
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
    expect(run.stderr).toContain("16 rows: updated 10, failed 3, invalid 2, unchanged 1");
    expect(run.stderr).toContain("shipments created: 3");
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
  it("applies each row to the store its credentials_id names, each with its own limiter", async () => {
    const other = await startSandbox({ storeHash: "eustore", accessToken: "eu-token-1" });
    try {
      const credentials = join(dir, "stores.json");
      await writeFile(
        credentials,
        JSON.stringify({
          us: { store_hash: "sandbox", access_token: "sandbox-token", api_url: sandbox.url },
          eu: { store_hash: "eustore", access_token: "eu-token-1", api_url: other.url },
        }),
      );
      await chmod(credentials, 0o600);
      const file = join(dir, "multi.csv");
      await writeFile(
        file,
        "order_id,staff_notes,credentials_id\n12345,to us,us\n12345,to eu,eu\n12346,default store,\n",
      );
      const run = await runCli(
        [file, "--quiet", "--credentials", credentials, "--credentials-id", "us"],
        { env: {} },
      );
      expect(run.code).toBe(0);
      expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("to us");
      expect(other.store.getOrder(12345)?.staff_notes).toBe("to eu");
      expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("default store");
      expect(other.store.getOrder(12346)?.staff_notes).not.toBe("default store");
      expect(other.stats().byRoute).toMatchObject({ order_statuses: 1, order_put: 1 });
    } finally {
      await other.close();
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
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`chmod 600 ${credentials}`);
    expect(sandbox.stats().requests).toBe(0);
  });

  it("fails a row that names no store when there is no default store", async () => {
    const credentials = join(dir, "nodefault.json");
    await writeFile(
      credentials,
      JSON.stringify({
        us: { store_hash: "sandbox", access_token: "sandbox-token", api_url: sandbox.url },
      }),
    );
    await chmod(credentials, 0o600);
    const file = join(dir, "multi.csv");
    await writeFile(file, "order_id,status_id,credentials_id\n12345,2,us\n12346,2,\n");
    const run = await runCli([file, "--quiet", "--credentials", credentials], { env: {} });
    expect(run.code).toBe(1);
    const rows = (await readResults(join(dir, "multi.results.csv"))).rows;
    expect(rows.map((row) => row.result)).toEqual(["updated", "failed"]);
    expect(rows[1]?.error).toContain("--credentials-id");
  });

  it("reports a row naming an unknown credentials id as invalid", async () => {
    const credentials = join(dir, "one.json");
    await writeFile(
      credentials,
      JSON.stringify({
        us: { store_hash: "sandbox", access_token: "sandbox-token", api_url: sandbox.url },
      }),
    );
    await chmod(credentials, 0o600);
    const file = join(dir, "multi.csv");
    await writeFile(file, "order_id,status_id,credentials_id\n12345,2,us\n12346,2,asia\n");
    const run = await runCli([file, "--quiet", "--credentials", credentials], { env: {} });
    expect(run.code).toBe(1);
    const rows = (await readResults(join(dir, "multi.results.csv"))).rows;
    expect(rows.map((row) => row.result)).toEqual(["updated", "invalid"]);
    expect(rows[1]?.error).toContain("asia");
  });
});

describe("check", () => {
  it("reports a ready store and exits 0", async () => {
    const run = await runCli(["check"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("quota 150 requests per window");
    expect(run.stdout).toContain("newest order 12353");
    expect(writes(sandbox)).toEqual([]);
  });

  it("says the credentials were rejected and exits 2", async () => {
    const run = await runCli(["check"], {
      env: { ...sandboxEnv(sandbox), BIGCOMMERCE_ACCESS_TOKEN: "wrong" },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("FAIL");
    expect(run.stdout).toContain("HTTP 401");
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
