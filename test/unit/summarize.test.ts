import { describe, expect, it } from "vitest";
import {
  exitCodeOf,
  formatSummary,
  SummaryBuilder,
  summaryToJson,
} from "../../src/output/summarize.js";
import type { RowOutcome } from "../../src/types.js";
import { outcomeOf } from "../helpers/rows.js";

const outcome = outcomeOf;

function build(
  results: RowOutcome[],
  stopReason?: "interrupted" | "credentials_rejected" | "outage",
) {
  const builder = new SummaryBuilder();
  for (const r of results) builder.add(r);
  return builder.build({
    stats: [
      { requests: 10, rateLimited: 1, retries: 2 },
      { requests: 5, rateLimited: 0, retries: 1 },
    ],
    elapsedMs: 2000,
    stopReason,
    resultsFile: "out.csv",
    failedFile: "out.failed.csv",
  });
}

describe("summary", () => {
  it("counts rows by result, shipments, totals and requests across stores", () => {
    const summary = build([
      outcome("updated", { shipmentCreated: true }),
      outcome("unchanged"),
      outcome("failed"),
      outcome("updated", { totalsChanged: true }),
    ]);
    expect(summaryToJson(summary)).toMatchObject({
      rows: 4,
      succeeded: 3,
      failed: 1,
      by_result: { updated: 2, unchanged: 1, failed: 1 },
      shipments_created: 1,
      totals_changed: 1,
      requests: 15,
      rate_limited: 1,
      retries: 3,
      elapsed_ms: 2000,
    });
    expect(summaryToJson(summary)).toMatchObject({ rows_to_fix: 1, failed_file: "out.failed.csv" });
    expect(formatSummary(summary)).toContain("out.failed.csv");
  });

  it.each<
    [string, RowOutcome[], Parameters<typeof build>[1], "SIGINT" | "SIGTERM" | undefined, number]
  >([
    ["all succeeded", [outcome("updated"), outcome("valid")], undefined, undefined, 0],
    ["some failed", [outcome("updated"), outcome("invalid")], undefined, undefined, 1],
    ["needs review", [outcome("needs_review")], undefined, undefined, 1],
    ["credentials", [outcome("updated")], "credentials_rejected", undefined, 2],
    ["outage", [outcome("updated")], "outage", undefined, 3],
    ["SIGINT", [outcome("updated")], "interrupted", "SIGINT", 130],
    ["SIGTERM", [outcome("updated")], "interrupted", "SIGTERM", 143],
  ])("exit code: %s", (_name, results, stop, signal, code) => {
    expect(exitCodeOf(build(results, stop), signal)).toBe(code);
  });
});
