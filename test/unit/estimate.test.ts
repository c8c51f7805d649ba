import { describe, expect, it } from "vitest";
import {
  estimateRun,
  formatDuration,
  formatEstimate,
  ROW_COSTS,
  requestsFor,
  rowKind,
} from "../../src/output/estimate.js";

describe("rowKind", () => {
  it.each([
    [{ order_id: "1", status_id: "2" }, "status"],
    [{ order_id: "1", staff_notes: "x" }, "notes"],
    [{ order_id: "1", customer_message: "x" }, "notes"],
    [{ order_id: "1", billing_city: "Madrid", status_id: "2" }, "billing"],
    [{ order_id: "1", tracking_number: "1Z" }, "shipment"],
    [{ order_id: "1", tracking_number: "1Z", status_id: "10" }, "shipment_status"],
    [{ order_id: "1", status_id: "  " }, undefined],
  ] as const)("%j is %s", (values, kind) => {
    expect(rowKind(values)).toBe(kind);
  });
});

describe("estimateRun", () => {
  it("prices rows by kind and divides by what may be sent per window", () => {
    const requests = requestsFor({ status: 100, shipment: 100 }, "per-order");
    expect(requests).toBe(
      100 * ROW_COSTS["per-order"].status + 100 * ROW_COSTS["per-order"].shipment,
    );
    const estimate = estimateRun(requests, 200, { quota: 150, windowMs: 30_000, reserve: 15 });
    expect(estimate).toMatchObject({ rows: 200, requests: 600, perWindow: 135, quotaKnown: true });
    expect(estimate.seconds).toBe(Math.round((600 / 135) * 30));
  });

  it("assumes the Standard plan's quota when the store said none, and says so", () => {
    const estimate = estimateRun(300, 300, { reserve: 15 });
    expect(estimate).toMatchObject({ perWindow: 135, windowMs: 30_000, quotaKnown: false });
    expect(formatEstimate(estimate)).toContain("Standard plan");
  });

  it("formats rows, requests, time and quota", () => {
    const text = formatEstimate(
      estimateRun(14_900, 12_400, { quota: 150, windowMs: 30_000, reserve: 15 }),
    );
    expect(text).toContain("12,400 rows");
    expect(text).toContain("14,900 requests");
    expect(text).toContain("55 min");
    expect(text).toContain("135 requests per 30 s");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "1 s"],
    [40, "40 s"],
    [600, "10 min"],
    [3300, "55 min"],
    [7500, "2 h 5 min"],
  ])("%d s is %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
