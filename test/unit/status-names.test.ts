// Issue 13: status names as exports write them: did-you-mean for a near miss, "2 - Shipped" read
// as its id when the name agrees, and the lines of `bc-order-batch statuses`.
import { describe, expect, it } from "vitest";
import { checkRow } from "../../src/check/check-row.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "../../src/check/statuses.js";
import { formatStatuses, statusLines } from "../../src/commands/statuses.js";
import type { OrderStatus } from "../../src/types.js";

const standard = buildStatusTable(DEFAULT_ORDER_STATUSES);
const renamed: OrderStatus[] = DEFAULT_ORDER_STATUSES.map((status) =>
  status.id === 2 ? { ...status, custom_label: "Dispatched" } : status,
);
const store = buildStatusTable(renamed);

describe("suggest", () => {
  it.each([
    ["Complete", 10],
    ["completed ", 10],
    ["Canceled", 5],
    ["Shiped", 2],
    ["Awaiting Fulfilment", 11],
    ["Delivered", 10],
    ["Fulfilled", 2],
  ])("%j → %i", (text, id) => {
    expect(standard.suggest(text)?.id).toBe(id);
  });

  it.each(["Out of Stock", "Banana", "", "99", "On Hold"])("%j → nothing", (text) => {
    expect(standard.suggest(text)).toBeUndefined();
  });

  it("never resolves a row: the near miss stays E_UNKNOWN_STATUS", () => {
    const result = checkRow(
      { index: 1, line: 2, cells: [], values: { order_id: "1", status_id: "Complete" } },
      { statuses: standard },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.code)).toEqual(["E_UNKNOWN_STATUS"]);
  });
});

describe('"2 - Shipped"', () => {
  it.each([
    ["2 - Shipped", 2],
    ["2 – Shipped", 2],
    ["2: Shipped", 2],
    ["11 Awaiting Fulfillment", 11],
    ["2 - shipped", 2],
  ])("%j is status %i", (text, id) => {
    expect(standard.match(text)).toMatchObject({ kind: "found", status: { id } });
  });

  it("agrees with a renamed status by its system name or its custom label", () => {
    expect(store.match("2 - Shipped")).toMatchObject({ kind: "found", status: { id: 2 } });
    expect(store.match("2 - Dispatched")).toMatchObject({ kind: "found", status: { id: 2 } });
  });

  it.each([
    ["3 - Shipped", 3, 2],
    ["2 - Banana", 2, undefined],
  ])("%j is a mismatch", (text, id, named) => {
    const match = standard.match(text);
    expect(match.kind).toBe("mismatch");
    if (match.kind !== "mismatch") return;
    expect(match.status.id).toBe(id);
    expect(match.named?.id).toBe(named);
  });

  it("makes a mismatched row invalid with E_STATUS_MISMATCH", () => {
    const result = checkRow(
      { index: 1, line: 2, cells: [], values: { order_id: "1", status_id: "3 - Shipped" } },
      { statuses: standard },
    );
    expect(!result.ok && result.problems.map((p) => [p.code, p.column])).toEqual([
      ["E_STATUS_MISMATCH", "status_id"],
    ]);
  });

  it("is unknown when the id is no status", () => {
    expect(standard.match("99 - Shipped")).toMatchObject({ kind: "unknown" });
  });
});

describe("statusLines", () => {
  it("sorts by id and shows a custom label only when it differs", () => {
    const lines = statusLines([
      { id: 12, name: "Manual Verification Required", custom_label: "Fraud Check" },
      { id: 2, name: "Shipped", system_label: "Shipped", custom_label: "Shipped" },
    ]);
    expect(lines).toEqual([
      { id: 2, system_label: "Shipped", custom_label: "" },
      { id: 12, system_label: "Manual Verification Required", custom_label: "Fraud Check" },
    ]);
    expect(formatStatuses(lines).split("\n")).toHaveLength(3);
  });
});
