/**
 * Issue 14, messages that say what to do next: rows carried over by --resume apart from this run's
 * (the rate counts only rows worked on), rows to fix apart from rows not attempted, the resume
 * command after a stop, a dry run that never reports `updated`, validate without request counts,
 * and `--json` on a fatal ending.
 */
import { describe, expect, it } from "vitest";
import {
  fatalToJson,
  formatSummary,
  type RunMode,
  type StopReason,
  SummaryBuilder,
  summaryToJson,
} from "../../src/output/summarize.js";
import type { RowOutcome, RowResultState } from "../../src/types.js";

let line = 1;
const outcome = (result: RowResultState, extra: Partial<RowOutcome> = {}): RowOutcome => {
  line++;
  // Failures carry a code and an error (RowOutcome's union); they play no part in the counts.
  return {
    index: line - 1,
    line,
    result,
    fieldsUpdated: [],
    errorCode: "E_TEST",
    error: "test",
    ...extra,
  } as RowOutcome;
};
const carried = (result: RowResultState): RowOutcome => outcome(result, { carriedOver: true });

function build(
  outcomes: RowOutcome[],
  extra: { stopReason?: StopReason; elapsedMs?: number; mode?: RunMode; results?: boolean } = {},
) {
  const builder = new SummaryBuilder();
  for (const o of outcomes) builder.add(o);
  return builder.build({
    stats: [{ requests: 7, rateLimited: 0, retries: 0 }],
    elapsedMs: extra.elapsedMs ?? 2000,
    stopReason: extra.stopReason,
    resultsFile: extra.results === false ? undefined : "orders.results.csv",
    failedFile: "orders.results.failed.csv",
    ...(extra.mode ? { mode: extra.mode } : {}),
  });
}

const COMMAND = "bc-order-batch 'my orders.csv' --map 'Order Number=order_id' --resume";

describe("rows carried over by --resume", () => {
  const summary = build([
    carried("updated"),
    carried("updated"),
    carried("failed"),
    outcome("updated"),
    outcome("updated"),
    outcome("updated"),
    outcome("updated"),
  ]);

  it("are counted apart from the rows this run worked on", () => {
    expect(summaryToJson(summary)).toMatchObject({
      rows: 7,
      by_result: { updated: 6, failed: 1 },
      carried_over: 3,
      carried_over_by_result: { updated: 2, failed: 1 },
      worked: 4,
      not_attempted: 0,
      rows_to_fix: 1,
    });
  });

  it("do not count in the rate: 4 rows worked on in 2 s are 2 rows/s", () => {
    expect(summaryToJson(summary).rows_per_sec).toBe(2);
    expect(formatSummary(summary)).toContain("2.0 rows/s");
    expect(formatSummary(summary)).not.toContain("3.5 rows/s");
  });

  it("the human counts give this run's rows apart: `updated 4`, not `updated 6`", () => {
    const text = formatSummary(summary);
    expect(text).toMatch(/\bupdated 4\b/);
    expect(text).not.toMatch(/\bupdated 6\b/);
  });

  it("a dry run resuming a real run's results counts them as carried over, never as updated by it", () => {
    const dry = build([carried("updated"), carried("updated")], { mode: "dry-run" });
    const text = formatSummary(dry);
    expect(text).not.toMatch(/^2 rows: updated 2/m);
    expect(summaryToJson(dry)).toMatchObject({ carried_over: 2, worked: 0, rows_per_sec: null });
  });
});

describe("rows to fix and rows not attempted", () => {
  const stopped = build(
    [
      outcome("updated"),
      outcome("failed"),
      outcome("invalid"),
      outcome("needs_review"),
      ...Array.from({ length: 5 }, () => outcome("not_attempted")),
    ],
    { stopReason: "interrupted" },
  );

  it("are told apart: not_attempted rows are work for --resume, not rows to fix", () => {
    expect(summaryToJson(stopped)).toMatchObject({
      rows: 9,
      failed: 8,
      rows_to_fix: 3,
      not_attempted: 5,
      worked: 4,
    });
  });

  it("the rate and elapsed count only the 4 rows this run worked on", () => {
    expect(summaryToJson(stopped).rows_per_sec).toBe(2);
  });

  it("after an interrupt the summary gives the exact command that carries on", () => {
    const text = formatSummary(stopped, { resumeCommand: COMMAND });
    expect(text.split("\n").map((l) => l.trim())).toContain(COMMAND);
    expect(summaryToJson(stopped, { resumeCommand: COMMAND, exitCode: 130 })).toMatchObject({
      resume_command: COMMAND,
      stop_reason: "interrupted",
      exit_code: 130,
    });
  });

  it("no resume command when nothing is left, or when the results went to a stream", () => {
    const done = build([outcome("updated"), outcome("failed")]);
    expect(formatSummary(done, { resumeCommand: COMMAND })).not.toContain(COMMAND);
    expect(summaryToJson(done, { resumeCommand: COMMAND }).resume_command).toBeNull();
    const toStdout = build([outcome("not_attempted")], {
      stopReason: "interrupted",
      results: false,
    });
    expect(formatSummary(toStdout, { resumeCommand: COMMAND })).not.toContain(COMMAND);
    expect(summaryToJson(toStdout, { resumeCommand: COMMAND }).resume_command).toBeNull();
  });
});

describe("modes", () => {
  it("a dry run never reports updated rows or created shipments", () => {
    const dry = build(
      [
        outcome("would_update", { fieldsUpdated: ["shipment_created"] }),
        outcome("would_update", { fieldsUpdated: ["status_id"] }),
        outcome("unchanged"),
      ],
      { mode: "dry-run" },
    );
    const text = formatSummary(dry);
    expect(text).not.toMatch(/\bupdated\b/);
    expect(text).not.toContain("shipments created");
    expect(summaryToJson(dry)).toMatchObject({
      mode: "dry-run",
      shipments_created: 0,
      shipments_to_create: 1,
    });
  });

  it("the dry run is recognised from its results when the caller does not say", () => {
    const dry = build([outcome("would_update")]);
    expect(summaryToJson(dry).mode).toBe("dry-run");
  });

  it("validate prints no request or shipment counts", () => {
    const checked = build([outcome("valid"), outcome("invalid")], { mode: "validate" });
    const text = formatSummary(checked);
    expect(text).not.toContain("requests:");
    expect(text).not.toContain("shipment");
  });
});

describe("plurals", () => {
  it("one row is `1 row`, one shipment `1 shipment`", () => {
    const one = build([outcome("would_update", { fieldsUpdated: ["shipment_created"] })], {
      mode: "dry-run",
    });
    const text = formatSummary(one);
    expect(text).toMatch(/^1 row:/);
    expect(text).toMatch(/\b1 shipment\b/);
    expect(text).not.toMatch(/\b1 (rows|shipments)\b/);
  });
});

describe("fatalToJson", () => {
  it("names the code, message, exit code and what is known; unknown keys are null", () => {
    expect(
      fatalToJson({
        code: "E_HEADER_UNKNOWN",
        message: "typo.csv:1: unknown column",
        exitCode: 2,
        command: "run",
        inputFile: "typo.csv",
        file: "typo.csv",
        line: 1,
      }),
    ).toEqual({
      error: {
        code: "E_HEADER_UNKNOWN",
        message: "typo.csv:1: unknown column",
        file: "typo.csv",
        line: 1,
      },
      exit_code: 2,
      command: "run",
      input_file: "typo.csv",
      results_file: null,
    });
  });
});
