import { describe, expect, it } from "vitest";
import { resultHeader, toResultRecord } from "../../src/output/result-row.js";
import type { RowOutcome } from "../../src/types.js";

const base = { index: 1, line: 2, result: "updated", fieldsUpdated: [] } as const;

describe("resultHeader", () => {
  it("is the input header as written, then the result columns", () => {
    expect(resultHeader(["Order_ID", "status_id"])).toEqual([
      "Order_ID",
      "status_id",
      "line",
      "result",
      "success",
      "fields_updated",
      "order_status_id",
      "order_status",
      "shipment_id",
      "error",
      "error_code",
      "message",
    ]);
  });
});

describe("toResultRecord", () => {
  it.each<[string, RowOutcome, string[]]>([
    [
      "updated with shipment",
      {
        ...base,
        fieldsUpdated: ["shipment_created", "status_id"],
        orderStatusId: 2,
        orderStatus: "Shipped",
        shipmentId: 9,
        shipmentCreated: true,
      },
      ["2", "updated", "true", "shipment_created;status_id", "2", "Shipped", "9", "", "", ""],
    ],
    [
      "unchanged",
      { ...base, result: "unchanged", shipmentId: 9, message: "exists", errorCode: "E_IGNORED" },
      ["2", "unchanged", "true", "", "", "", "9", "", "", "exists"],
    ],
    [
      "would_update",
      { ...base, result: "would_update", fieldsUpdated: ["staff_notes"] },
      ["2", "would_update", "true", "staff_notes", "", "", "", "", "", ""],
    ],
    ["valid", { ...base, result: "valid" }, ["2", "valid", "true", "", "", "", "", "", "", ""]],
    [
      "failed",
      { ...base, result: "failed", error: "HTTP 404", errorCode: "E_ORDER_NOT_FOUND" },
      ["2", "failed", "false", "", "", "", "", "HTTP 404", "E_ORDER_NOT_FOUND", ""],
    ],
    [
      "invalid",
      { ...base, result: "invalid", error: "bad", errorCode: "E_EMAIL" },
      ["2", "invalid", "false", "", "", "", "", "bad", "E_EMAIL", ""],
    ],
    [
      "needs_review",
      { ...base, result: "needs_review", error: "reset", errorCode: "E_NETWORK" },
      ["2", "needs_review", "false", "", "", "", "", "reset", "E_NETWORK", ""],
    ],
    [
      "not_attempted",
      { ...base, result: "not_attempted", error: "stopped", errorCode: "E_STOPPED" },
      ["2", "not_attempted", "false", "", "", "", "", "stopped", "E_STOPPED", ""],
    ],
  ])("%s", (_name, outcome, tail) => {
    expect(toResultRecord(2, ["12345", "2"], outcome)).toEqual(["12345", "2", ...tail]);
  });

  it("pads a short ragged row and cuts a long one to the header's width", () => {
    expect(toResultRecord(3, ["1"], base).slice(0, 3)).toEqual(["1", "", ""]);
    expect(toResultRecord(2, ["1", "2", "3", "4"], base)).toHaveLength(2 + 10);
  });
});
