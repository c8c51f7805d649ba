// Issue 5 "Values checked against BigCommerce's limits before sending" and "tracking number not
// mangled by Excel": built CLI against a sandbox store (sample-store orders, samples/store.json).
// An invalid row is never sent; a valid one arrives exactly as written (leading zeros included).
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  type CliResult,
  checkInvariants,
  REPO_ROOT,
  type Results,
  readResults,
  removeTempDirs,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

function orderState(sandbox: Sandbox, id: number): unknown {
  return { order: sandbox.store.getOrder(id), shipments: sandbox.store.listShipments(id) };
}

/** Each of `want` appears as a whole number in `text`, as often as it is listed. */
function expectNumbers(text: string, want: readonly number[]): void {
  const have = [...text.matchAll(/\b\d+\b/g)].map((match) => Number(match[0]));
  for (const n of want) {
    const i = have.indexOf(n);
    expect(i, `${n} in ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0);
    have.splice(i, 1);
  }
}

/**
 * An invalid row of a results file: its code, and the values a person reads in its error (the
 * column, the value as written, a limit), never the wording around them.
 */
interface InvalidRow {
  readonly line: string;
  readonly code: string;
  readonly column: string;
  readonly value?: string;
  readonly numbers?: readonly number[];
}

function expectInvalidRow(file: Results, want: InvalidRow): void {
  const row = file.rows.find((r) => r.line === want.line);
  expect(row, `line ${want.line}`).toMatchObject({ result: "invalid", error_code: want.code });
  const error = row?.error ?? "";
  expect(error).toContain(want.column);
  if (want.value !== undefined) expect(error).toContain(want.value);
  expectNumbers(error, want.numbers ?? []);
}

// Each describe makes one run in beforeAll and checks it in several tests.
afterAll(removeTempDirs);

describe("tracking numbers as Excel leaves them, end to end", () => {
  const untouched = [12345, 12350, 12352];
  let sandbox: Sandbox;
  let before: unknown[];
  let run: CliResult;
  let file: Results;

  beforeAll(async () => {
    sandbox = await startE2eSandbox();
    before = untouched.map((id) => orderState(sandbox, id));
    const dir = await tempDir("bc-input-values-");
    const input = join(dir, "tracking.csv");
    await copyFile(join(REPO_ROOT, "test/fixtures/tracking-numbers-as-text.csv"), input);
    run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    file = await readResults(join(dir, "tracking.results.csv"));
  });
  afterAll(() => sandbox.close());

  it("scientific notation is invalid; leading zeros and padding survive to the store", () => {
    checkInvariants({
      inputRows: 6,
      results: file,
      sandbox,
      run,
      expectCode: 1,
      // The results carry the cells exactly as read: zeros, spaces and all.
      input: {
        header: ["order_id", "tracking_number", "order_address_id"],
        rows: [
          ["12345", "9.40011E+21", "1001"],
          ["12346", "00340434161094042557", "001009"],
          ["12347", " 1Z999AA10123456784 ", ""],
          ["12349", "0012", "1003"],
          ["12350", "00777", "1e3"],
          ["12352", "9,40011E+21", ""],
        ],
      },
    });
    expect(file.rows.map((row) => [row.line, row.result])).toEqual([
      ["2", "invalid"],
      ["3", "updated"],
      ["4", "updated"],
      ["5", "updated"],
      ["6", "invalid"],
      ["7", "invalid"],
    ]);

    expect(sandbox.store.listShipments(12346)).toEqual([
      expect.objectContaining({ tracking_number: "00340434161094042557", order_address_id: 1009 }),
    ]);
    expect(sandbox.store.listShipments(12347)).toEqual([
      expect.objectContaining({ tracking_number: "1Z999AA10123456784" }),
    ]);
    expect(sandbox.store.listShipments(12349)).toEqual([
      expect.objectContaining({ tracking_number: "0012", order_address_id: 1003 }),
    ]);
    expect(untouched.map((id) => orderState(sandbox, id))).toEqual(before);
    expect(sandbox.stats().byRoute.shipment_post).toBe(3);
  });

  it.each<InvalidRow>([
    // Excel's display of a long number: its digits are lost, whatever the decimal separator.
    { line: "2", code: "E_TRACKING_SCIENTIFIC", column: "tracking_number", value: "9.40011E+21" },
    { line: "6", code: "E_NOT_INTEGER", column: "order_address_id", value: "1e3" },
    { line: "7", code: "E_TRACKING_SCIENTIFIC", column: "tracking_number", value: "9,40011E+21" },
  ])("line $line is invalid with $code naming $column and its value", (want) => {
    expectInvalidRow(file, want);
  });
});

describe("values checked before sending, end to end", () => {
  const header = [
    "order_id",
    "status_id",
    "staff_notes",
    "billing_country",
    "billing_email",
    "tracking_number",
    "shipping_provider",
    "order_address_id",
  ];
  const row = (values: Partial<Record<string, string>>): string[] =>
    header.map((name) => values[name] ?? "");
  const rows = [
    row({ order_id: "12345", tracking_number: "1ZVALUES0001", shipping_provider: "UPS" }),
    row({ order_id: "12346", tracking_number: "7946VALUES02", shipping_provider: "FedEx" }),
    row({ order_id: "12347", billing_country: "Germany" }),
    row({ order_id: "12349", billing_country: "fr", staff_notes: "n".repeat(65535) }),
    row({ order_id: "12350", billing_email: "not-an-email" }),
    row({ order_id: "12351", status_id: "Out of Stock" }),
    row({ order_id: "12352", staff_notes: "n".repeat(65536) }),
    row({ order_id: "12348", tracking_number: `${"1Z".repeat(25)}9` }),
    row({ order_id: "12352", tracking_number: "1ZVALUES0009", shipping_provider: "Hermes" }),
    row({ order_id: "0", status_id: "2" }),
  ];
  let sandbox: Sandbox;
  let before: Map<number, unknown>;
  let run: CliResult;
  let file: Results;

  beforeAll(async () => {
    sandbox = await startE2eSandbox();
    before = new Map(
      [12348, 12350, 12351, 12352].map((id) => [id, orderState(sandbox, id)] as const),
    );
    const dir = await tempDir("bc-input-values-");
    const input = await writeCsv(join(dir, "values.csv"), header, rows);
    run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    file = await readResults(join(dir, "values.results.csv"));
  });
  afterAll(() => sandbox.close());

  it("spellings are mapped, values over BigCommerce's limits are invalid and never sent", () => {
    checkInvariants({
      inputRows: rows.length,
      results: file,
      sandbox,
      run,
      expectCode: 1,
      input: { header, rows },
    });
    const outcome = file.rows.map((r) => [r.order_id, r.result]);
    expect(outcome).toEqual([
      ["12345", "updated"],
      ["12346", "updated"],
      ["12347", "updated"],
      ["12349", "updated"],
      ["12350", "invalid"],
      ["12351", "invalid"],
      ["12352", "invalid"],
      ["12348", "invalid"],
      ["12352", "invalid"],
      ["0", "invalid"],
    ]);

    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({ tracking_number: "1ZVALUES0001", shipping_provider: "ups" }),
    ]);
    expect(sandbox.store.listShipments(12346)).toEqual([
      expect.objectContaining({ tracking_number: "7946VALUES02", shipping_provider: "fedex" }),
    ]);
    expect(sandbox.store.getOrder(12347)?.billing_address).toMatchObject({
      country: "Germany",
      country_iso2: "DE",
    });
    expect(sandbox.store.getOrder(12349)?.billing_address).toMatchObject({ country_iso2: "FR" });
    expect(sandbox.store.getOrder(12349)?.staff_notes).toHaveLength(65535);
    for (const [id, state] of before) expect(orderState(sandbox, id), `order ${id}`).toEqual(state);
  });

  it.each<InvalidRow>([
    { line: "6", code: "E_EMAIL", column: "billing_email", value: "not-an-email" },
    { line: "7", code: "E_UNKNOWN_STATUS", column: "status_id", value: "Out of Stock" },
    // Over BigCommerce's limits (docs/bigcommerce-api.md §1, §3): the limit is what a person needs.
    { line: "8", code: "E_TOO_LONG", column: "staff_notes", numbers: [65535] },
    { line: "9", code: "E_TOO_LONG", column: "tracking_number", numbers: [50] },
    { line: "10", code: "E_PROVIDER", column: "shipping_provider", value: "Hermes" },
    { line: "11", code: "E_OUT_OF_RANGE", column: "order_id", value: "0" },
  ])("line $line is invalid with $code naming $column", (want) => {
    expectInvalidRow(file, want);
  });
});
