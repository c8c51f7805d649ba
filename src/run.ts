import { once, setMaxListeners } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { PassThrough, type Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { ApiEvent } from "./api/bigcommerce.js";
import { CredentialsRejectedError, OutageError } from "./api/errors.js";
import { RetryQuota } from "./api/retry-policy.js";
import { applyInOrder } from "./apply-in-order.js";
import { type AppliedRow, applyRow } from "./apply-row.js";
import type { StoreDirectory } from "./credentials.js";
import { csvLine, UTF8_BOM } from "./csv-line.js";
import { BatchError } from "./errors.js";
import { type InputInfo, inspectInput, type ReadOptions, readRows } from "./read-rows.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "./statuses.js";
import { type Store, StoreRegistry } from "./stores.js";
import { type RunSummary, type StopReason, SummaryBuilder } from "./summarize.js";
import { resultHeader, toResultRecord } from "./to-result-row.js";
import {
  type CheckedRow,
  type RowOutcome,
  type RowResultState,
  type SourceRow,
  SUCCESS_STATES,
} from "./types.js";
import { type CheckContext, checkRow } from "./validate-row.js";
import {
  failedRowsPath,
  type PreviousResult,
  PreviousResultsCursor,
  readPreviousResults,
} from "./write-results.js";

/** Options of one batch run; the CLI builds them from flags, a library user directly. */
export interface RunOptions {
  /** Path of the input CSV. */
  readonly input: string;
  /** `run` applies (or, with dryRun, reads); `validate` checks offline: no credentials, no network. */
  readonly mode: "run" | "validate";
  /** Results file path, or a stream (e.g. stdout). @default `<input>.results.csv` (chosen by the caller) */
  readonly output: string | Writable;
  /** Write `<output>.failed.csv` (input columns of every row that did not succeed). @default true for a path */
  readonly failedFile?: boolean;
  readonly read?: ReadOptions;
  /** Read-only requests; report what would change. @default false */
  readonly dryRun?: boolean;
  /** Skip rows an earlier results file (at `output`) shows as done. @default false */
  readonly resume?: boolean;
  /** Rows worked on at once (different orders). @default 4 */
  readonly concurrency?: number;
  /** Stores; required for mode `run`. */
  readonly stores?: StoreDirectory;
  /** Per-attempt request timeout, ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Requests per quota window left for the store's other apps. @default 10% of the quota */
  readonly reserve?: number;
  readonly maxAttempts?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Run-level transient-retry budget (see api/retry-policy). */
  readonly retryBudget?: number;
  /** Wait before re-reading shipments after an unclear POST, ms. @default 2000 */
  readonly reconcileDelayMs?: number;
  /** Add a UTF-8 BOM to the results for Excel. @default false */
  readonly excel?: boolean;
  /** Graceful stop: no row starts after it aborts; rows in flight get `graceMs` to finish. */
  readonly signal?: AbortSignal;
  /** @default 30000 */
  readonly graceMs?: number;
  readonly userAgent?: string;
  /** Called once the input has been checked (row total, encoding, warnings). */
  readonly onStart?: (info: InputInfo) => void;
  /** Called for every row, in input order, as its result is written. */
  readonly onRow?: (outcome: RowOutcome) => void;
  readonly onApiEvent?: (event: ApiEvent) => void;
}

/** Shared empty `fieldsUpdated` of rows that changed nothing (never mutated). */
const NOTHING: readonly string[] = Object.freeze([]);

const DONE_BEFORE: ReadonlySet<string> = new Set<RowResultState>([
  "updated",
  "unchanged",
  "failed",
  "invalid",
]);

type Item =
  | {
      readonly source: SourceRow;
      readonly outcome: RowOutcome;
      readonly record?: readonly string[];
    }
  | {
      readonly source: SourceRow;
      readonly apply: CheckedRow;
      readonly store: Store;
      readonly key: string;
    };

type Done = {
  readonly source: SourceRow;
  readonly outcome: RowOutcome;
  readonly record?: readonly string[];
};

/** Outcome of a row carried over from an earlier results file. */
function outcomeFromRecord(source: SourceRow, previous: PreviousResult, width: number): RowOutcome {
  const cell = (offset: number) => previous.record[width + offset] ?? "";
  const fields = cell(3) === "" ? [] : cell(3).split(";");
  return {
    index: source.index,
    line: source.line,
    result: previous.result as RowResultState,
    fieldsUpdated: fields,
    shipmentCreated: fields.includes("shipment_created"),
  };
}

/**
 * Run a batch: CSV rows → checked rows → API calls → outcomes → results CSV, streaming, in input order.
 * Throws only for run-level failures before the first row (unreadable input, missing or rejected
 * credentials); a run stopped later (interrupt, rejected credentials, outage) still writes a result
 * for every row and says why in `stopReason`.
 */
export async function runBatch(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const readOptions = options.read ?? {};
  const info = await inspectInput(options.input, readOptions, options.signal);
  options.onStart?.(info);

  const dryRun = options.dryRun ?? false;
  const concurrency = options.concurrency ?? 4;
  const hard = new AbortController();
  // Every request in flight, and every worker waiting at a rate-limit gate, listens on this signal.
  setMaxListeners(0, hard.signal);
  let stopReason: StopReason | undefined;
  let stopError: BatchError | undefined;
  const stop = (reason: StopReason, error?: BatchError) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    stopError = error;
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    stop("interrupted");
    graceTimer = setTimeout(() => hard.abort(), options.graceMs ?? 30_000);
    graceTimer.unref();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  // One retry budget for the whole run: an outage anywhere stops dispatching (issue #4).
  const retryQuota = new RetryQuota(
    options.retryBudget !== undefined ? { capacity: options.retryBudget } : undefined,
  );
  const stores = new StoreRegistry({
    directory: options.stores,
    userAgent: options.userAgent ?? "bc-order-batch",
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    backoff: options.backoff,
    reserve: options.reserve,
    retryQuota,
    onApiEvent: options.onApiEvent,
    signal: hard.signal,
  });
  const offlineStatuses = buildStatusTable(DEFAULT_ORDER_STATUSES);
  const offlineContext: CheckContext = {
    statuses: offlineStatuses,
    offline: options.mode === "validate",
    ...(options.stores?.ids ? { credentialsIds: options.stores.ids } : {}),
  };

  if (options.mode === "run") {
    // Fail fast, before any row: the default store must accept the credentials.
    if (options.stores?.defaultId !== undefined || options.stores?.ids === undefined) {
      await stores.get(undefined).statuses;
    }
  }

  const width = info.headerCells.length;
  const header = resultHeader(info.headerCells);
  const outputPath = typeof options.output === "string" ? options.output : undefined;
  const writePath = outputPath && options.resume ? `${outputPath}.partial` : outputPath;
  if (outputPath) {
    await (options.resume
      ? foldPartialResults(outputPath, info.headerCells, options.excel ?? false)
      : rm(`${outputPath}.partial`, { force: true }));
  }
  const previous =
    outputPath && options.resume
      ? new PreviousResultsCursor(readPreviousResults(outputPath, info.headerCells))
      : undefined;

  async function* check(rows: AsyncIterable<SourceRow>): AsyncGenerator<Item> {
    for await (const source of rows) {
      // No await at all without --resume: this loop runs for every row of million-row files.
      const earlier = previous ? await previous.find(source.line) : undefined;
      if (
        earlier &&
        DONE_BEFORE.has(earlier.result) &&
        earlier.orderId === (source.values.order_id ?? "").trim()
      ) {
        yield {
          source,
          outcome: outcomeFromRecord(source, earlier, width),
          record: earlier.record,
        };
        continue;
      }
      const credentialsId = source.values.credentials_id?.trim() || undefined;
      let store: Store | undefined;
      let storeError: BatchError | undefined;
      let statuses = offlineStatuses;
      if (options.mode === "run" && stopReason === undefined) {
        try {
          const candidate = stores.get(credentialsId);
          statuses = await candidate.statuses;
          store = candidate;
        } catch (error) {
          if (error instanceof CredentialsRejectedError || error instanceof OutageError) {
            stop(error instanceof OutageError ? "outage" : "credentials_rejected", error);
          } else if (error instanceof BatchError) {
            // No store for this row (unknown or missing credentials, statuses unreadable): the
            // row fails with the reason; an unknown credentials_id is reported by checkRow first.
            storeError = error;
          } else throw error;
        }
      }
      const checked = checkRow(
        source,
        statuses === offlineStatuses ? offlineContext : { ...offlineContext, statuses },
      );
      // Plain literals, no spreads: this is the per-row hot path of `validate`.
      if (!checked.ok) {
        const orderId = Number(source.values.order_id?.trim());
        yield {
          source,
          outcome: {
            index: source.index,
            line: source.line,
            orderId: Number.isSafeInteger(orderId) && orderId > 0 ? orderId : undefined,
            result: "invalid",
            fieldsUpdated: NOTHING,
            errorCode: checked.problems[0]?.code,
            error: checked.problems.map((problem) => problem.message).join("; "),
          },
        };
      } else if (options.mode === "validate") {
        yield {
          source,
          outcome: {
            index: source.index,
            line: source.line,
            orderId: checked.row.orderId,
            result: "valid",
            fieldsUpdated: NOTHING,
          },
        };
      } else if (!store) {
        yield {
          source,
          outcome: storeError
            ? {
                index: source.index,
                line: source.line,
                orderId: checked.row.orderId,
                result: "failed",
                fieldsUpdated: NOTHING,
                errorCode: storeError.code,
                error: storeError.message,
              }
            : notAttempted(source, checked.row.orderId),
        };
      } else {
        yield { source, apply: checked.row, store, key: `${store.key}|${checked.row.orderId}` };
      }
    }
  }

  const notAttempted = (source: SourceRow, orderId?: number): RowOutcome => ({
    index: source.index,
    line: source.line,
    orderId,
    result: "not_attempted",
    fieldsUpdated: [],
    errorCode: stopError?.code ?? "E_STOPPED",
    error: stopError
      ? `not attempted: ${stopError.message}`
      : "not attempted: the run was interrupted before this row started",
  });

  const apply = (items: AsyncIterable<Item>) =>
    applyInOrder<Item, Done>(items, {
      concurrency,
      maxPending: Math.max(64, concurrency * 16),
      keyOf: (item) => ("apply" in item ? item.key : undefined),
      stopped: () => stopReason !== undefined,
      skip: (item, stopped) =>
        "apply" in item
          ? { source: item.source, outcome: notAttempted(item.source, item.apply.orderId) }
          : stopped
            ? { source: item.source, outcome: notAttempted(item.source) }
            : item,
      work: async (item) => {
        if (!("apply" in item)) return item;
        const applied: AppliedRow = await applyRow(item.apply, {
          api: item.store.api,
          dryRun,
          reconcileDelayMs: options.reconcileDelayMs ?? 2000,
          signal: hard.signal,
        });
        if (applied.fatal) {
          stop(
            applied.fatal instanceof OutageError ? "outage" : "credentials_rejected",
            applied.fatal,
          );
        }
        return { source: item.source, outcome: applied.outcome };
      },
    });

  const summary = new SummaryBuilder();
  const bom = options.excel ? UTF8_BOM : "";
  const failedPath =
    outputPath && (options.failedFile ?? true) ? failedRowsPath(outputPath) : undefined;
  const failedOut = failedPath ? createWriteStream(failedPath) : undefined;
  failedOut?.write(bom + csvLine(info.headerCells, false));
  // Offline, rows complete as fast as they are read: write them in batches. In a run, every row as
  // it completes, so a kill loses at most the rows in flight (issue #4).
  const batchSize = options.mode === "validate" ? 256 : 1;

  async function* format(done: AsyncIterable<Done>): AsyncGenerator<string> {
    yield bom + csvLine(header, true);
    let batch = "";
    let batched = 0;
    for await (const { source, outcome, record } of done) {
      summary.add(outcome);
      options.onRow?.(outcome);
      if (failedOut && !SUCCESS_STATES.has(outcome.result)) {
        const cells = source.cells.slice(0, width);
        while (cells.length < width) cells.push("");
        if (!failedOut.write(csvLine(cells, false))) await once(failedOut, "drain");
      }
      batch += csvLine(record ?? toResultRecord(width, source.cells, outcome), true);
      if (++batched >= batchSize) {
        yield batch;
        batch = "";
        batched = 0;
      }
    }
    if (batch !== "") yield batch;
  }

  const destination =
    writePath !== undefined ? createWriteStream(writePath) : (options.output as Writable);
  const toStdout = writePath === undefined;
  try {
    await pipeline(
      readRows(info, readOptions),
      check,
      apply,
      format,
      toStdout ? passThroughTo(destination) : destination,
    );
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    options.signal?.removeEventListener("abort", onAbort);
    failedOut?.end();
    await previous?.close();
  }
  if (failedOut) await finished(failedOut);
  if (writePath !== undefined && outputPath !== undefined && writePath !== outputPath) {
    await rename(writePath, outputPath);
  }
  if (failedPath && summary.failed === 0) await rm(failedPath, { force: true });

  return summary.build({
    stats: stores.stats(),
    elapsedMs: Math.round(performance.now() - started),
    stopReason,
    resultsFile: outputPath,
    failedFile: failedPath && summary.failed > 0 ? failedPath : undefined,
  });
}

/**
 * A --resume run writes `<output>.partial` and renames it over the results only at its end, so a
 * kill -9 leaves the partial file behind. It holds, in input order, every row up to the kill
 * (carried over or done by that run): fold it into the results before resuming, so that a kill -9
 * of a resume run too loses at most the rows in flight (issue #4). Rows after the partial file's
 * last complete record keep their earlier result. A partial file without a usable record is
 * dropped. The fold is written aside and renamed, so a kill during it loses nothing either.
 */
async function foldPartialResults(
  outputPath: string,
  inputHeader: readonly string[],
  excel: boolean,
): Promise<void> {
  const partialPath = `${outputPath}.partial`;
  if (!existsSync(partialPath)) return;
  let lastLine = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const row of readPreviousResults(partialPath, inputHeader)) {
      lastLine = row.line;
      yield [...row.record];
    }
    if (lastLine === 0 || !existsSync(outputPath)) return;
    for await (const row of readPreviousResults(outputPath, inputHeader)) {
      if (row.line > lastLine) yield [...row.record];
    }
  }
  const foldPath = `${outputPath}.fold`;
  async function* lines(): AsyncGenerator<string> {
    yield (excel ? UTF8_BOM : "") + csvLine(resultHeader(inputHeader), true);
    for await (const record of records()) yield csvLine(record, true);
  }
  await pipeline(lines, createWriteStream(foldPath));
  if (lastLine > 0) await rename(foldPath, outputPath);
  else await rm(foldPath, { force: true });
  await rm(partialPath, { force: true });
}

/** Pipe into a stream we must not end (stdout). */
function passThroughTo(target: Writable): PassThrough {
  const through = new PassThrough();
  through.pipe(target, { end: false });
  void finished(through);
  return through;
}
