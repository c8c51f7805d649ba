// Issue 5 "Values checked against BigCommerce's limits before sending" and "tracking number not
// mangled by Excel": built CLI against a sandbox store (sample-store orders, samples/store.json).
// An invalid row is never sent; a valid one arrives exactly as written (leading zeros included).
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

function orderState(sandbox: Sandbox, id: number): unknown {
  return { order: sandbox.store.getOrder(id), shipments: sandbox.store.listShipments(id) };
}

describe("tracking numbers as Excel leaves them, end to end", () => {
  it("scientific notation is invalid; leading zeros and padding survive to the store", async () => {
    const sandbox = await startE2eSandbox();
    const untouched = [12345, 12350, 12352];
    const before = untouched.map((id) => orderState(sandbox, id));
    const dir = await tempDir("bc-input-values-");
    const input = join(dir, "tracking.csv");
    await copyFile(join(REPO_ROOT, "test/fixtures/tracking-numbers-as-text.csv"), input);
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(join(dir, "tracking.results.csv"));
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
    expect(file.rows[0]?.error).toContain('tracking_number: "9.40011E+21"');
    expect(file.rows[0]?.error).toContain("Text");
    expect(file.rows[4]?.error).toContain('order_address_id: "1e3"');
    expect(file.rows[5]?.error).toContain('tracking_number: "9,40011E+21"');

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
});

describe("values checked before sending, end to end", () => {
  it("spellings are mapped, values over BigCommerce's limits are invalid and never sent", async () => {
    const sandbox = await startE2eSandbox();
    const before = new Map(
      [12348, 12350, 12351, 12352].map((id) => [id, orderState(sandbox, id)] as const),
    );
    const dir = await tempDir("bc-input-values-");
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
    const input = await writeCsv(join(dir, "values.csv"), header, rows);
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(join(dir, "values.results.csv"));
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
    const errors = file.rows.map((r) => r.error);
    expect(errors[4]).toContain('billing_email: "not-an-email"');
    expect(errors[5]).toContain('status_id: "Out of Stock"');
    expect(errors[6]).toContain("staff_notes");
    expect(errors[6]).toContain("65535");
    expect(errors[7]).toContain("tracking_number");
    expect(errors[7]).toContain("50");
    expect(errors[8]).toContain('shipping_provider: "Hermes"');
    expect(errors[9]).toContain('order_id: "0"');

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
});
