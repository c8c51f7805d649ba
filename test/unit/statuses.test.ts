import { describe, expect, it } from "vitest";
import {
  buildStatusTable,
  DEFAULT_ORDER_STATUSES,
  type StatusTable,
} from "../../src/check/statuses.js";
import type { OrderStatus } from "../../src/types.js";

/** The status a text names, or undefined when none or several do. */
function resolve(table: StatusTable, text: string): OrderStatus | undefined {
  const match = table.match(text);
  return match.kind === "found" ? match.status : undefined;
}

/** A store's GET /v2/order_statuses answer: the defaults with some statuses renamed (custom_label). */
function storeStatuses(customLabels: Readonly<Record<number, string>>): OrderStatus[] {
  return DEFAULT_ORDER_STATUSES.map((status) => ({
    ...status,
    custom_label: customLabels[status.id] ?? status.name,
  }));
}

describe("DEFAULT_ORDER_STATUSES", () => {
  it("has BigCommerce's ids 0–14 with their names (docs/bigcommerce-api.md §2)", () => {
    expect(DEFAULT_ORDER_STATUSES.map((status) => [status.id, status.name])).toEqual([
      [0, "Incomplete"],
      [1, "Pending"],
      [2, "Shipped"],
      [3, "Partially Shipped"],
      [4, "Refunded"],
      [5, "Cancelled"],
      [6, "Declined"],
      [7, "Awaiting Payment"],
      [8, "Awaiting Pickup"],
      [9, "Awaiting Shipment"],
      [10, "Completed"],
      [11, "Awaiting Fulfillment"],
      [12, "Manual Verification Required"],
      [13, "Disputed"],
      [14, "Partially Refunded"],
    ]);
  });
});

describe("buildStatusTable(DEFAULT_ORDER_STATUSES).resolve", () => {
  const table = buildStatusTable(DEFAULT_ORDER_STATUSES);

  it.each([
    ["2", 2],
    [" 2 ", 2],
    ["02", 2],
    ["0", 0],
    ["14", 14],
    ["Shipped", 2],
    ["shipped", 2],
    ["  SHIPPED\t", 2],
    ["Awaiting Shipment", 9],
    ["awaiting_shipment", 9],
    ["Awaiting-Shipment", 9],
    ["awaiting   shipment", 9],
    ["AWAITING_FULFILLMENT", 11],
    ["manual verification required", 12],
    ["Partially-Refunded", 14],
  ])("%j → %i", (text, id) => {
    expect(resolve(table, text)?.id).toBe(id);
    expect(table.match(text)).toMatchObject({ kind: "found", status: { id } });
  });

  it.each([
    ["15", true],
    ["-1", false],
    ["2.0", false],
    ["1e1", false],
    ["99999999999999999999", true],
    // Some third-party docs call 11 "On Hold"; BigCommerce does not.
    ["On Hold", false],
    ["Out of Stock", false],
    ["Shipp", false],
    ["", false],
  ])("%j → unknown", (text, numeric) => {
    expect(resolve(table, text)).toBeUndefined();
    expect(table.match(text)).toEqual({ kind: "unknown", numeric });
  });

  it("gives the same answer for a repeated value, also after many distinct values", () => {
    for (let i = 0; i < 600; i += 1) expect(resolve(table, `status ${i}`)).toBeUndefined();
    expect(resolve(table, "Shipped")?.id).toBe(2);
    expect(resolve(table, "Shipped")?.id).toBe(2);
    expect(resolve(table, "Declined")?.id).toBe(6);
  });
});

describe("a store's renamed statuses (custom_label)", () => {
  const table = buildStatusTable(
    storeStatuses({ 0: "Incomplete - Testing", 9: "Ready for Courier", 10: "Done ✓" }),
  );

  it.each([
    ["Ready for Courier", 9],
    ["ready_for_courier", 9],
    ["READY-FOR-COURIER", 9],
    ["Awaiting Shipment", 9],
    ["Incomplete - Testing", 0],
    ["incomplete_testing", 0],
    ["Incomplete – Testing", 0],
    ["done ✓", 10],
    ["Completed", 10],
  ])("%j → %i", (text, id) => {
    expect(resolve(table, text)?.id).toBe(id);
  });

  it("names a status by its custom label", () => {
    expect(table.nameOf(9)).toBe("Ready for Courier");
    expect(table.nameOf(2)).toBe("Shipped");
    expect(table.nameOf(15)).toBeUndefined();
  });

  it("matches label text in NFC and NFD alike", () => {
    const accented = buildStatusTable(storeStatuses({ 2: "Expédié" }));
    expect(resolve(accented, "Expédié".normalize("NFD"))?.id).toBe(2);
    expect(resolve(accented, "EXPÉDIÉ")?.id).toBe(2);
  });
});

describe("ambiguous names", () => {
  // Status 0 renamed to "Pending", which is status 1's name: do not guess which one is meant.
  const table = buildStatusTable(storeStatuses({ 0: "Pending" }));

  it("resolves to nothing and lists the candidates", () => {
    expect(resolve(table, "pending")).toBeUndefined();
    const match = table.match("Pending");
    expect(match.kind).toBe("ambiguous");
    if (match.kind !== "ambiguous") return;
    expect(match.candidates.map((status) => status.id).sort()).toEqual([0, 1]);
  });

  it("still resolves both statuses by id", () => {
    expect(resolve(table, "0")?.id).toBe(0);
    expect(resolve(table, "1")?.id).toBe(1);
  });

  it("is not ambiguous when one status repeats its name in all three labels", () => {
    expect(resolve(buildStatusTable(storeStatuses({})), "Pending")?.id).toBe(1);
  });

  it("reads a number as an id, never as a label", () => {
    const numeric = buildStatusTable(storeStatuses({ 2: "5" }));
    expect(resolve(numeric, "5")?.id).toBe(5);
  });
});

describe("describe", () => {
  it("gives the id range and example names", () => {
    const text = buildStatusTable(DEFAULT_ORDER_STATUSES).describe();
    expect(text).toContain("0–14");
    expect(text).toContain('"Shipped"');
    expect(text).toContain('"Awaiting Fulfillment"');
  });

  it("lists ids that are not a range, and falls back to the table's first names", () => {
    const text = buildStatusTable([
      { id: 3, name: "Partially Shipped" },
      { id: 7, name: "Awaiting Payment" },
    ]).describe();
    expect(text).toContain("3, 7");
    expect(text).toContain('"Partially Shipped"');
  });

  it("shows the store's custom labels", () => {
    expect(buildStatusTable(storeStatuses({ 2: "Sent" })).describe()).toContain('"Sent"');
  });
});
