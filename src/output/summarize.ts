import type { ApiStats } from "../api/store-api.js";
import { type RowOutcome, type RowResultState, SUCCESS_STATES } from "../types.js";
import { type Estimate, estimateToJson } from "./estimate.js";
import type { UndoResult } from "./undo.js";

/**
 * Why a run ended before every row was attempted. `input_changed`: the input file changed during
 * the run (E_FILE_CHANGED); rows not yet started are not attempted, nothing of the new content is read.
 */
export type StopReason = "interrupted" | "credentials_rejected" | "outage" | "input_changed";

/** What a run was: applying, a dry run (read only) or `validate` (offline). */
export type RunMode = "run" | "dry-run" | "validate";

/** Results of rows a person must look at and fix (the failed-rows file is for them). */
const TO_FIX: ReadonlySet<RowResultState> = new Set([
  "failed",
  "invalid",
  "needs_review",
  "conflict",
]);

/** What a run did, for the final stderr lines, `--json` and the exit code. */
export interface RunSummary {
  /** Every row of the results file: carried over by --resume or done (or not attempted) by this run. */
  readonly rows: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Every row of the results file by result, carried-over rows included. */
  readonly byResult: Readonly<Partial<Record<RowResultState, number>>>;
  /** Rows --resume carried over from the earlier results file (RowOutcome.carriedOver). */
  readonly carriedOver: number;
  readonly carriedOverByResult: Readonly<Partial<Record<RowResultState, number>>>;
  /** Rows this run worked on: neither carried over nor not_attempted (the rate counts these). */
  readonly worked: number;
  /** Rows not attempted (the run stopped first, or the store kept failing): work for --resume. */
  readonly notAttempted: number;
  /** Rows a person must fix: failed, invalid or needs_review, carried over or not. */
  readonly toFix: number;
  readonly shipmentsCreated: number;
  /** A dry run: shipments a real run would create (would_update rows listing shipment_created). */
  readonly shipmentsToCreate: number;
  /** A dry run: the writes (POST, PUT) a real run would send, one per planned request. */
  readonly writesPlanned: number;
  readonly totalsChanged: number;
  readonly requests: number;
  readonly rateLimited: number;
  readonly retries: number;
  readonly elapsedMs: number;
  /** What the run was, when the caller said (SummaryBuilder.build's `mode`). */
  readonly mode?: RunMode | undefined;
  readonly stopReason: StopReason | undefined;
  /** The run-level error behind the stop reason, when there is one (e.g. E_FILE_CHANGED naming the file). */
  readonly stopError?: { readonly code: string; readonly message: string } | undefined;
  readonly resultsFile: string | undefined;
  readonly failedFile: string | undefined;
  /** How long the run was expected to take (exact in a dry run), when it was estimated. */
  readonly estimate?: Estimate | undefined;
  /** The undo file of a run that can write (issue 15, output/undo.ts). */
  readonly undo?: UndoResult | undefined;
}

/** Folds outcomes into counts; pure apart from the clock the caller passes in. */
export class SummaryBuilder {
  #rows = 0;
  #succeeded = 0;
  #shipments = 0;
  #shipmentsToCreate = 0;
  #writesPlanned = 0;
  #totals = 0;
  #carried = 0;
  #notAttempted = 0;
  #toFix = 0;
  readonly #byResult: Partial<Record<RowResultState, number>> = {};
  readonly #carriedByResult: Partial<Record<RowResultState, number>> = {};

  add(outcome: RowOutcome): void {
    const result = outcome.result;
    this.#rows++;
    if (SUCCESS_STATES.has(result)) this.#succeeded++;
    if (TO_FIX.has(result)) this.#toFix++;
    if (outcome.carriedOver) {
      this.#carried++;
      this.#carriedByResult[result] = (this.#carriedByResult[result] ?? 0) + 1;
    } else if (result === "not_attempted") this.#notAttempted++;
    else if (result === "would_update") {
      const creates = outcome.fieldsUpdated.includes("shipment_created");
      if (creates) this.#shipmentsToCreate++;
      // One POST for the shipment, one PUT for every other field together.
      this.#writesPlanned +=
        (creates ? 1 : 0) + (outcome.fieldsUpdated.some((f) => f !== "shipment_created") ? 1 : 0);
    }
    if (outcome.shipmentCreated) this.#shipments++;
    if (outcome.totalsChanged) this.#totals++;
    this.#byResult[result] = (this.#byResult[result] ?? 0) + 1;
  }

  /** A dry run's writes planned so far (one POST per shipment, one PUT per row's other fields). */
  get writesPlanned(): number {
    return this.#writesPlanned;
  }

  get rows(): number {
    return this.#rows;
  }

  get failed(): number {
    return this.#rows - this.#succeeded;
  }

  build(extra: {
    stats: readonly ApiStats[];
    elapsedMs: number;
    stopReason: StopReason | undefined;
    stopError?: { readonly code: string; readonly message: string } | undefined;
    resultsFile: string | undefined;
    failedFile: string | undefined;
    mode?: RunMode | undefined;
    estimate?: Estimate | undefined;
  }): RunSummary {
    const sum = (pick: (stats: ApiStats) => number) =>
      extra.stats.reduce((total, stats) => total + pick(stats), 0);
    return {
      rows: this.#rows,
      succeeded: this.#succeeded,
      failed: this.#rows - this.#succeeded,
      byResult: { ...this.#byResult },
      carriedOver: this.#carried,
      carriedOverByResult: { ...this.#carriedByResult },
      worked: this.#rows - this.#carried - this.#notAttempted,
      notAttempted: this.#notAttempted,
      toFix: this.#toFix,
      shipmentsCreated: this.#shipments,
      shipmentsToCreate: this.#shipmentsToCreate,
      writesPlanned: this.#writesPlanned,
      totalsChanged: this.#totals,
      requests: sum((stats) => stats.requests),
      rateLimited: sum((stats) => stats.rateLimited),
      retries: sum((stats) => stats.retries),
      elapsedMs: extra.elapsedMs,
      ...(extra.mode !== undefined ? { mode: extra.mode } : {}),
      stopReason: extra.stopReason,
      stopError: extra.stopError && {
        code: extra.stopError.code,
        message: extra.stopError.message,
      },
      resultsFile: extra.resultsFile,
      failedFile: extra.failedFile,
      ...(extra.estimate ? { estimate: extra.estimate } : {}),
    };
  }
}

/** The signals that stop a run gracefully (cli.ts). */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** 128 + the signal's number, as a shell reports a process the signal ended. */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

/**
 * Exit code policy (issue #2, #4): 0 all rows succeeded, 1 some did not, 3 outage, 129/130/143
 * stopped by SIGHUP/SIGINT/SIGTERM (130 for any other interrupt, e.g. the reader of `-o -` gone).
 */
export function exitCodeOf(summary: RunSummary, signalName?: StopSignal): number {
  if (summary.stopReason === "interrupted") return SIGNAL_EXIT_CODES[signalName ?? "SIGINT"];
  if (summary.stopReason === "credentials_rejected") return 2;
  if (summary.stopReason === "input_changed") return 2;
  if (summary.stopReason === "outage") return 3;
  return summary.failed === 0 ? 0 : 1;
}

/** What the CLI knows beyond the summary: the mode from its flags, the command to carry on with. */
export interface SummaryContext {
  /** @default the summary's own `mode`, else what its results show */
  readonly mode?: RunMode | undefined;
  /** The exact command that resumes this run (cli.ts resumeCommand), shown when rows are left. */
  readonly resumeCommand?: string | undefined;
  /** The process exit code, for `--json` (`exit_code`). */
  readonly exitCode?: number | undefined;
}

/** The run's mode: as said, or else as its results show (`valid` only in validate, `would_update` only in a dry run). */
function modeOf(summary: RunSummary, context: SummaryContext): RunMode {
  return (
    context.mode ??
    summary.mode ??
    (summary.byResult.valid !== undefined
      ? "validate"
      : summary.byResult.would_update !== undefined
        ? "dry-run"
        : "run")
  );
}

/** Rows per second over the rows this run worked on; undefined when there is nothing to measure. */
function rateOf(summary: RunSummary): number | undefined {
  const seconds = summary.elapsedMs / 1000;
  return seconds > 0 && summary.worked > 0 ? summary.worked / seconds : undefined;
}

/** Rows this run gave a result to, by result: every row's minus the carried-over ones. */
function thisRunByResult(summary: RunSummary): Partial<Record<RowResultState, number>> {
  const counts: Partial<Record<RowResultState, number>> = {};
  for (const [result, count] of Object.entries(summary.byResult) as [RowResultState, number][]) {
    const own = count - (summary.carriedOverByResult[result] ?? 0);
    if (own > 0) counts[result] = own;
  }
  return counts;
}

/** Whether the summary should offer the --resume command: rows are left to do, and there is a results file to resume from. */
function resumable(summary: RunSummary): boolean {
  return summary.notAttempted > 0 && summary.resultsFile !== undefined;
}

/** The summary as the one JSON object `--json` prints for schedulers (issue #7). */
export function summaryToJson(
  summary: RunSummary,
  context: SummaryContext = {},
): Record<string, unknown> {
  const rate = rateOf(summary);
  return {
    rows: summary.rows,
    succeeded: summary.succeeded,
    failed: summary.failed,
    by_result: summary.byResult,
    carried_over: summary.carriedOver,
    carried_over_by_result: summary.carriedOverByResult,
    worked: summary.worked,
    not_attempted: summary.notAttempted,
    rows_to_fix: summary.toFix,
    mode: modeOf(summary, context),
    shipments_created: summary.shipmentsCreated,
    shipments_to_create: summary.shipmentsToCreate,
    ...(summary.estimate ? { estimate: estimateToJson(summary.estimate) } : {}),
    totals_changed: summary.totalsChanged,
    requests: summary.requests,
    rate_limited: summary.rateLimited,
    retries: summary.retries,
    elapsed_ms: summary.elapsedMs,
    rows_per_sec: rate === undefined ? null : Math.round(rate * 10) / 10,
    stop_reason: summary.stopReason ?? null,
    stop_error_code: summary.stopError?.code ?? null,
    results_file: summary.resultsFile ?? null,
    undo_file: summary.undo?.file ?? null,
    failed_file: summary.failedFile ?? null,
    resume_command: (resumable(summary) && context.resumeCommand) || null,
    ...(context.exitCode !== undefined ? { exit_code: context.exitCode } : {}),
  };
}

/** A fatal ending (no summary: usage, file, credentials, lock…), as `--json` prints it. */
export interface FatalReport {
  readonly code: string;
  /** Already redacted by the caller (it never holds a token). */
  readonly message: string;
  readonly exitCode: number;
  /** The command (`run`, `validate`, `check`, …), when the arguments got that far. */
  readonly command?: string | undefined;
  readonly inputFile?: string | undefined;
  readonly resultsFile?: string | undefined;
  /** The file and line the error is about, when it names them (an input line, a credentials file). */
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

/**
 * The one JSON object `--json` prints when the run ends without a summary, so a scheduler always
 * gets one object on stdout: `{"error": {"code", "message"}, "exit_code", …}`. Keys it cannot know
 * are null, never missing.
 */
export function fatalToJson(report: FatalReport): Record<string, unknown> {
  return {
    error: {
      code: report.code,
      message: report.message,
      ...(report.file !== undefined ? { file: report.file } : {}),
      ...(report.line !== undefined ? { line: report.line } : {}),
    },
    exit_code: report.exitCode,
    command: report.command ?? null,
    input_file: report.inputFile ?? null,
    results_file: report.resultsFile ?? null,
  };
}

/** "1 row", "2 rows". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function countsText(counts: Readonly<Partial<Record<RowResultState, number>>>): string {
  return Object.entries(counts)
    .map(([result, count]) => `${result} ${count}`)
    .join(", ");
}

/** Why the run stopped early, for the line that says so. */
function stopText(summary: RunSummary): string | undefined {
  switch (summary.stopReason) {
    case undefined:
      return undefined;
    case "interrupted":
      return "interrupted";
    case "credentials_rejected":
      return "credentials rejected";
    case "outage":
      return "BigCommerce unavailable (retry budget used up)";
    case "input_changed":
      return `${summary.stopError?.message ?? "the input file changed during the run"} [${summary.stopError?.code ?? "E_FILE_CHANGED"}]`;
  }
}

/**
 * Human summary lines for stderr: what this run did (rows carried over by --resume apart), the
 * rows a person must fix (the failed-rows file), the rows left for --resume and, when a run
 * stopped with rows left, the command that carries on.
 */
export function formatSummary(summary: RunSummary, context: SummaryContext = {}): string {
  const mode = modeOf(summary, context);
  const seconds = summary.elapsedMs / 1000;
  const rate = rateOf(summary);
  const own = countsText(thisRunByResult(summary));
  const lines: string[] = [];
  if (summary.carriedOver > 0) {
    lines.push(
      `${plural(summary.rows, "row")}: ${summary.carriedOver} carried over from the earlier results (${countsText(summary.carriedOverByResult)}); this run: ${own || "none"}`,
    );
  } else {
    lines.push(`${plural(summary.rows, "row")}: ${own || "none"}`);
  }
  const traffic = `requests: ${summary.requests} (429: ${summary.rateLimited}, retries: ${summary.retries})`;
  if (mode === "dry-run") {
    lines.push(
      `dry run, nothing changed: ${plural(summary.shipmentsToCreate, "shipment")} would be created; ${traffic}`,
    );
  } else if (mode === "run") {
    lines.push(
      `shipments created: ${summary.shipmentsCreated}; totals recalculated: ${summary.totalsChanged}; ${traffic}`,
    );
  }
  // The rate counts the rows this run worked on: carried-over and not-attempted rows cost nothing.
  const pace = rate === undefined ? "- rows/s" : `${rate.toFixed(1)} rows/s`;
  const worked =
    summary.worked === 0
      ? "no row worked on"
      : summary.worked === summary.rows
        ? pace
        : `${plural(summary.worked, "row")} worked on, ${pace}`;
  lines.push(`elapsed: ${seconds.toFixed(1)} s (${worked})`);
  if (summary.resultsFile) lines.push(`results: ${summary.resultsFile}`);
  if (summary.undo) {
    const unknown = Object.values(summary.undo.unknownByField).reduce((a, b) => a + b, 0);
    lines.push(
      `undo: ${summary.undo.file} (${plural(summary.undo.rows, "row")}${unknown > 0 ? `; ${unknown} value${unknown === 1 ? "" : "s"} not read before the run (--reads per-order) cannot be put back` : ""})`,
    );
  }
  if (summary.toFix > 0) {
    const where = summary.failedFile ? ` — ${summary.failedFile}` : "";
    const kinds = summary.byResult.conflict
      ? "failed/invalid/needs review/conflict"
      : "failed/invalid/needs review";
    lines.push(`rows to fix: ${summary.toFix} (${kinds})${where}`);
  }
  if (summary.notAttempted > 0) {
    const also =
      summary.toFix === 0 && summary.failedFile ? ` (listed in ${summary.failedFile} too)` : "";
    lines.push(
      mode === "validate"
        ? `rows not attempted: ${summary.notAttempted} — run validate again (it sends nothing)`
        : summary.resultsFile === undefined
          ? `rows not attempted: ${summary.notAttempted} — the results went to a stream, so run the file again to do them`
          : `rows not attempted: ${summary.notAttempted} — run again with --resume${also}`,
    );
  }
  const stopped = stopText(summary);
  if (stopped !== undefined) {
    const left = summary.notAttempted > 0 ? `; ${plural(summary.notAttempted, "row")} left` : "";
    lines.push(`stopped early: ${stopped}${left}`);
  }
  if (resumable(summary) && context.resumeCommand) {
    const first =
      summary.stopReason === "credentials_rejected"
        ? "once the credentials are fixed, carry on with"
        : "to carry on, run";
    lines.push(`${first}:`, `  ${context.resumeCommand}`);
  }
  return lines.join("\n");
}
