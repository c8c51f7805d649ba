import type { ApiStats } from "../api/store-api.js";
import { type RowOutcome, type RowResultState, SUCCESS_STATES } from "../types.js";

/**
 * Why a run ended before every row was attempted. `input_changed`: the input file changed during
 * the run (E_FILE_CHANGED); rows not yet started are not attempted, nothing of the new content is read.
 */
export type StopReason = "interrupted" | "credentials_rejected" | "outage" | "input_changed";

/** What a run did, for the final stderr lines, `--json` and the exit code. */
export interface RunSummary {
  readonly rows: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly byResult: Readonly<Partial<Record<RowResultState, number>>>;
  readonly shipmentsCreated: number;
  readonly totalsChanged: number;
  readonly requests: number;
  readonly rateLimited: number;
  readonly retries: number;
  readonly elapsedMs: number;
  readonly stopReason: StopReason | undefined;
  /** The run-level error behind the stop reason, when there is one (e.g. E_FILE_CHANGED naming the file). */
  readonly stopError?: { readonly code: string; readonly message: string } | undefined;
  readonly resultsFile: string | undefined;
  readonly failedFile: string | undefined;
}

/** Folds outcomes into counts; pure apart from the clock the caller passes in. */
export class SummaryBuilder {
  #rows = 0;
  #succeeded = 0;
  #shipments = 0;
  #totals = 0;
  readonly #byResult: Partial<Record<RowResultState, number>> = {};

  add(outcome: RowOutcome): void {
    this.#rows++;
    if (SUCCESS_STATES.has(outcome.result)) this.#succeeded++;
    if (outcome.shipmentCreated) this.#shipments++;
    if (outcome.totalsChanged) this.#totals++;
    this.#byResult[outcome.result] = (this.#byResult[outcome.result] ?? 0) + 1;
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
  }): RunSummary {
    const sum = (pick: (stats: ApiStats) => number) =>
      extra.stats.reduce((total, stats) => total + pick(stats), 0);
    return {
      rows: this.#rows,
      succeeded: this.#succeeded,
      failed: this.#rows - this.#succeeded,
      byResult: { ...this.#byResult },
      shipmentsCreated: this.#shipments,
      totalsChanged: this.#totals,
      requests: sum((stats) => stats.requests),
      rateLimited: sum((stats) => stats.rateLimited),
      retries: sum((stats) => stats.retries),
      elapsedMs: extra.elapsedMs,
      stopReason: extra.stopReason,
      stopError: extra.stopError && {
        code: extra.stopError.code,
        message: extra.stopError.message,
      },
      resultsFile: extra.resultsFile,
      failedFile: extra.failedFile,
    };
  }
}

/** The signals that stop a run gracefully (cli.ts). */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** 128 + the signal's number, as a shell reports a process the signal ended. */
const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = {
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

/** The summary as the one JSON object `--json` prints for schedulers (issue #7). */
export function summaryToJson(summary: RunSummary): Record<string, unknown> {
  return {
    rows: summary.rows,
    succeeded: summary.succeeded,
    failed: summary.failed,
    by_result: summary.byResult,
    shipments_created: summary.shipmentsCreated,
    totals_changed: summary.totalsChanged,
    requests: summary.requests,
    rate_limited: summary.rateLimited,
    retries: summary.retries,
    elapsed_ms: summary.elapsedMs,
    stop_reason: summary.stopReason ?? null,
    stop_error_code: summary.stopError?.code ?? null,
    results_file: summary.resultsFile ?? null,
    failed_file: summary.failedFile ?? null,
  };
}

/** Human summary lines for stderr. */
export function formatSummary(summary: RunSummary): string {
  const seconds = summary.elapsedMs / 1000;
  const rate = seconds > 0 ? (summary.rows / seconds).toFixed(1) : "-";
  const counts = Object.entries(summary.byResult)
    .map(([result, count]) => `${result} ${count}`)
    .join(", ");
  const lines = [
    `${summary.rows} rows: ${counts || "none"}`,
    `shipments created: ${summary.shipmentsCreated}; totals recalculated: ${summary.totalsChanged}; requests: ${summary.requests} (429: ${summary.rateLimited}, retries: ${summary.retries})`,
    `elapsed: ${seconds.toFixed(1)} s (${rate} rows/s)`,
  ];
  if (summary.resultsFile) lines.push(`results: ${summary.resultsFile}`);
  if (summary.failedFile && summary.failed > 0) {
    lines.push(`rows to fix and re-run: ${summary.failedFile}`);
  }
  if (summary.stopReason === "interrupted") lines.push("stopped early: interrupted");
  if (summary.stopReason === "credentials_rejected")
    lines.push("stopped early: credentials rejected");
  if (summary.stopReason === "outage")
    lines.push("stopped early: BigCommerce unavailable (retry budget used up)");
  if (summary.stopReason === "input_changed") {
    lines.push(
      `stopped early: ${summary.stopError?.message ?? "the input file changed during the run"} [${summary.stopError?.code ?? "E_FILE_CHANGED"}]`,
    );
  }
  return lines.join("\n");
}
