import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CheckContext, checkRow } from "../../src/check/check-row.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "../../src/check/statuses.js";
import type { InputInfo } from "../../src/input/read-rows.js";
import { UndoFile, undoRowsOf } from "../../src/output/undo.js";
import { describeConflicts, guardRow } from "../../src/plan/conditions.js";
import { planRow } from "../../src/plan/plan-row.js";
import type { ColumnName, Order, RowOutcome, UndoSource } from "../../src/types.js";
import { checkedRow, order, outcomeOf, shipment } from "../helpers/rows.js";

const context: CheckContext = { statuses: buildStatusTable(DEFAULT_ORDER_STATUSES) };
const check = (values: Partial<Record<ColumnName, string>>) =>
  checkRow({ index: 1, line: 2, cells: Object.values(values), values }, context);

function updated(orderId: number, undo: Partial<UndoSource>, extra: Partial<RowOutcome> = {}) {
  return outcomeOf("updated", {
    orderId,
    undo: { before: order({ id: orderId }), put: {}, putFields: [], ...undo },
    ...extra,
  });
}

describe("undo rows of one result", () => {
  it("puts back the status and notes read before, guarded by what was written", () => {
    const rows = undoRowsOf(
      updated(
        7,
        {
          before: order({ id: 7, status_id: 11, staff_notes: "" }),
          put: { status_id: 2, staff_notes: "Call" },
          putFields: ["status_id", "staff_notes"],
        },
        { orderStatusId: 2 },
      ),
    );
    expect(rows).toEqual([
      {
        values: { order_id: "7", expect_status_id: "2", expect_staff_notes: "Call" },
        targets: { status_id: "11", staff_notes: "" },
        restores: ["status_id", "staff_notes"],
        unknown: [],
      },
    ]);
  });

  it("removes a created shipment and puts back the status it set", () => {
    const [row] = undoRowsOf(
      updated(7, { created: shipment({ id: 900, tracking_number: "1Z9" }) }, { orderStatusId: 2 }),
    );
    expect(row?.values).toMatchObject({
      delete_shipment_id: "900",
      expect_tracking_number: "1Z9",
      expect_status_id: "2",
    });
    expect(row?.targets).toEqual({ status_id: "11" });
  });

  it("says what it cannot put back when the order was not read (per-order reads)", () => {
    const [row] = undoRowsOf(
      updated(7, { before: undefined, put: { status_id: 2 }, putFields: ["status_id"] }),
    );
    expect(row?.unknown).toEqual(["status_id"]);
    expect(row?.targets).toEqual({});
  });

  it("nothing for a row that wrote nothing", () => {
    expect(undoRowsOf(outcomeOf("unchanged", { orderId: 7 }))).toEqual([]);
  });
});

const INFO = { delimiter: ",", lineEnding: "\n" } as InputInfo;

async function undoFileOf(outcomes: RowOutcome[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "bc-undo-unit-"));
  const results = join(dir, "in.results.csv");
  const file = await UndoFile.open(results, INFO, { resume: false, excel: false });
  for (const outcome of outcomes) file.add(outcome);
  await file.finish();
  return (await readFile(join(dir, "in.results.undo.csv"), "utf8")).trimEnd().split("\n");
}

describe("the undo file's order", () => {
  it("is the reverse of the application order; every row of an order puts back its first value", async () => {
    // Order 7: status 11 → 9 (row 1), notes "" → "A" (row 2), status 9 → 10 (row 3). Order 8 between.
    const lines = await undoFileOf([
      updated(
        7,
        {
          before: order({ id: 7, status_id: 11 }),
          put: { status_id: 9 },
          putFields: ["status_id"],
        },
        { orderStatusId: 9, line: 2 },
      ),
      updated(
        8,
        {
          before: order({ id: 8, staff_notes: "old" }),
          put: { staff_notes: "new" },
          putFields: ["staff_notes"],
        },
        { line: 3 },
      ),
      updated(
        7,
        {
          before: order({ id: 7, status_id: 9 }),
          put: { staff_notes: "A" },
          putFields: ["staff_notes"],
        },
        { orderStatusId: 9, line: 4 },
      ),
      updated(
        7,
        {
          before: order({ id: 7, status_id: 9 }),
          put: { status_id: 10 },
          putFields: ["status_id"],
        },
        { orderStatusId: 10, line: 5 },
      ),
    ]);
    expect(lines).toEqual([
      "order_id,status_id,staff_notes,clear_fields,expect_status_id,expect_staff_notes",
      // Last applied first; status back to 11 (its value before the run), not to 9.
      "7,11,,,10,",
      "7,,,staff_notes,,A",
      "8,,old,,,new",
      "7,11,,,9,",
    ]);
  });

  it("a removed shipment comes back before the order's fields are put back", async () => {
    const lines = await undoFileOf([
      updated(
        7,
        {
          deleted: shipment({
            id: 5,
            tracking_number: "T1",
            items: [{ order_product_id: 3, quantity: 2 }],
          }),
          put: { status_id: 11 },
          putFields: ["status_id"],
          before: order({ id: 7, status_id: 2 }),
        },
        { orderStatusId: 11 },
      ),
    ]);
    expect(lines.slice(1)).toEqual(["7,,T1,3,2,10,", "7,2,,,,,11"]);
    expect(lines[0]).toBe(
      "order_id,status_id,tracking_number,order_product_id,quantity,order_address_id,expect_status_id",
    );
  });
});

describe("conditions (expect_ columns)", () => {
  const current: Order = order({ status_id: 10, staff_notes: "theirs" });

  it("writes a field that holds the expected value, leaves one someone changed", () => {
    const row = checkedRow({
      statusId: 11,
      staffNotes: "",
      expect: { statusId: 10, staffNotes: "ours" },
    });
    const guarded = guardRow(row, current, undefined);
    expect(guarded.row.changes.statusId).toBe(11);
    expect(guarded.row.changes.staffNotes).toBeUndefined();
    expect(guarded.conflicts).toEqual([
      { column: "staff_notes", expected: "ours", found: "theirs" },
    ]);
    expect(describeConflicts(guarded.conflicts)).toContain('"theirs"');
  });

  it("a field already at the row's value is no conflict (a second run is unchanged)", () => {
    const row = checkedRow({ statusId: 10, expect: { statusId: 2 } });
    expect(guardRow(row, current, undefined).conflicts).toEqual([]);
  });

  it("guards billing fields, the country by its code", () => {
    const row = checkedRow({
      billing: { city: "Austin", country: "Spain", country_iso2: "ES" },
      billingColumns: ["billing_city", "billing_country"],
      expect: { billing: { billing_city: "Madrid", billing_country: "us" } },
    });
    const guarded = guardRow(row, order({ id: 100 }), undefined);
    // City is already Austin (no conflict); the country is US as expected (written).
    expect(guarded.conflicts).toEqual([]);
    const moved = guardRow(
      row,
      order({ billing_address: { ...order().billing_address, city: "Rome" } }),
      undefined,
    );
    expect(moved.conflicts.map((c) => c.column)).toEqual(["billing_city"]);
    expect(moved.row.changes.billingColumns).toEqual(["billing_country"]);
  });

  it("guards a shipment by its tracking number", () => {
    const row = checkedRow({ deleteShipmentId: 500, expect: { trackingNumber: "1Z1" } });
    expect(guardRow(row, current, shipment({ tracking_number: "1Z1" })).conflicts).toEqual([]);
    const other = guardRow(row, current, shipment({ tracking_number: "OTHER" }));
    expect(other.row.changes.deleteShipmentId).toBeUndefined();
    expect(other.conflicts[0]).toMatchObject({ column: "tracking_number", found: "OTHER" });
  });
});

describe("planning the new row kinds", () => {
  it("deletes the shipment read, then PUTs the status", () => {
    const plan = planRow(checkedRow({ deleteShipmentId: 500, statusId: 11 }), {
      order: order({ status_id: 2 }),
      target: shipment(),
    });
    expect(plan.ok && plan.writes.map((w) => [w.kind, w.method, w.path])).toEqual([
      ["delete_shipment", "DELETE", "/orders/100/shipments/500"],
      ["update_order", "PUT", "/orders/100"],
    ]);
  });

  it("a shipment already gone is nothing to write", () => {
    const plan = planRow(checkedRow({ deleteShipmentId: 500 }), { order: order(), target: null });
    expect(plan).toMatchObject({ ok: true, writes: [], missingShipment: 500 });
  });

  it("a correction sends only the fields that differ; a missing shipment fails", () => {
    const row = checkedRow({
      shipmentUpdate: { shipmentId: 500, fields: { tracking_number: "1Z 1", comments: "new" } },
    });
    const plan = planRow(row, { order: order(), target: shipment({ comments: "old" }) });
    expect(plan.ok && plan.writes).toEqual([
      {
        kind: "update_shipment",
        method: "PUT",
        path: "/orders/100/shipments/500",
        body: { comments: "new" },
        before: shipment({ comments: "old" }),
        fields: ["shipment_comments"],
      },
    ]);
    expect(planRow(row, { order: order(), target: null })).toMatchObject({
      ok: false,
      code: "E_SHIPMENT_NOT_FOUND",
    });
  });
});

describe("checking the new columns", () => {
  it("reads a correction, clear_fields and expectations", () => {
    const result = check({
      order_id: "7",
      update_shipment_id: "500",
      tracking_number: "1Z 2",
      clear_fields: "tracking_link;staff_notes",
      expect_tracking_number: "1Z1",
    });
    expect(result.ok && result.row.changes).toEqual({
      shipmentUpdate: { shipmentId: 500, fields: { tracking_number: "1Z2", tracking_link: "" } },
      staffNotes: "",
      expect: { trackingNumber: "1Z1" },
    });
  });

  it.each<[Partial<Record<ColumnName, string>>, string]>([
    [{ delete_shipment_id: "5", tracking_number: "1Z1" }, "E_SHIPMENT_COLUMNS"],
    [{ update_shipment_id: "5", sku: "A" }, "E_SHIPMENT_COLUMNS"],
    [{ clear_fields: "billing_country" }, "E_CLEAR_FIELD"],
    [{ clear_fields: "tracking_link" }, "E_CLEAR_FIELD"],
    [{ staff_notes: "x", clear_fields: "staff_notes" }, "E_CLEAR_FIELD"],
    [{ staff_notes: "x", expect_status_id: "2" }, "E_EXPECT_WITHOUT_CHANGE"],
  ])("refuses %j (%s)", (values, code) => {
    const result = check({ order_id: "7", ...values });
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toContain(code);
  });
});
