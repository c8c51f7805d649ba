import { setMaxListeners } from "node:events";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ApiEvent } from "./api/bigcommerce.js";
import { CredentialsRejectedError, OutageError } from "./api/errors.js";
import { RetryQuota } from "./api/retry-policy.js";
import { applyInOrder } from "./apply/apply-in-order.js";
import { type AppliedRow, applyRow, isTransientFailure } from "./apply/apply-row.js";
import type { Store, StoreRegistry } from "./apply/stores.js";
import { type CheckContext, checkRow } from "./check/check-row.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "./check/statuses.js";
import type { StoreDirectory } from "./credentials.js";
import { BatchError } from "./errors.js";
import { RESULT_COLUMNS } from "./input/columns.js";
import {
  type InputInfo,
  type InputSnapshot,
  inspectInput,
  type ReadOptions,
  readRows,
  snapshotInput,
} from "./input/read-rows.js";
import { csvLine, UTF8_BOM } from "./output/csv-line.js";
import { lockResultsFile } from "./output/lock.js";
import { checkOutputPaths, outputPathsOf } from "./output/paths.js";
import { resultHeader, toResultRecord } from "./output/result-row.js";
import { type RunSummary, type StopReason, SummaryBuilder } from "./output/summarize.js";
import {
  failedRowsPath,
  GuardedOutput,
  OutputFileError,
  openOutputFile,
  type PreviousResult,
  PreviousResultsCursor,
  readerWentAway,
  readPreviousResults,
  removeOutputFile,
  sameInputCells,
} from "./output/write-results.js";
import { LaterRowsOfOrder, orderKeys, planResume } from "./resume/carry-over.js";
import {
  type CheckedRow,
  type RowOutcome,
  type RowResultState,
  type SourceRow,
  SUCCESS_STATES,
} from "./types.js";

/** Options of one batch run; the CLI builds them from flags, a library user directly. */
export interface RunOptions {
  /** Path of the input CSV. */
  readonly input: string;
  /** `run` applies (or, with dryRun, reads); `validate` checks offline: no credentials, no network. */
  readonly mode: "run" | "validate";
  /**
   * Results file path, or a stream (e.g. stdout), which is never ended. A stream whose reader goes
   * away (EPIPE: `-o - | head`) stops the run like an interrupt. @default `<input>.results.csv` (chosen by the caller)
   */
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
  /**
   * Called for every row, in input order, as its result is written. A row carried over by
   * --resume comes with what its earlier record holds (order id, status, shipment id, error,
   * message), never as created or recalculated by this run.
   */
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

/** A row whose outcome is known without the store: carried over, invalid, valid or not attempted. */
type Done = {
  readonly source: SourceRow;
  readonly outcome: RowOutcome;
  /** The earlier results record of a row carried over by --resume, written back as it was. */
  readonly record?: readonly string[];
};

/** A checked row for its store; rows with the same `key` (store and order) run one at a time. */
type ToApply = {
  readonly source: SourceRow;
  readonly apply: CheckedRow;
  readonly store: Store;
  readonly key: string;
};

type Item = Done | ToApply;

/** Where each of our columns sits in a results record, after the input's own columns. */
const AT = {
  fields: RESULT_COLUMNS.indexOf("fields_updated"),
  statusId: RESULT_COLUMNS.indexOf("order_status_id"),
  status: RESULT_COLUMNS.indexOf("order_status"),
  shipmentId: RESULT_COLUMNS.indexOf("shipment_id"),
  error: RESULT_COLUMNS.indexOf("error"),
  errorCode: RESULT_COLUMNS.indexOf("error_code"),
  message: RESULT_COLUMNS.indexOf("message"),
};

/** A positive integer id written as text (a cell), else undefined. */
function idOf(text: string | undefined): number | undefined {
  const id = Number(text?.trim());
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** A whole number written as text (status ids start at 0), else undefined. */
function integerOf(text: string | undefined): number | undefined {
  const value = text ? Number(text) : Number.NaN;
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Outcome of a row carried over from an earlier results file, with what the record holds. Never
 * `shipmentCreated` or `totalsChanged`: the summary counts what this run did (its record's
 * fields_updated still lists shipment_created).
 */
function outcomeFromRecord(source: SourceRow, previous: PreviousResult, width: number): RowOutcome {
  const record = previous.record;
  const fields = record[width + AT.fields] ?? "";
  return {
    index: source.index,
    line: source.line,
    orderId: idOf(previous.orderId),
    result: previous.result as RowResultState,
    fieldsUpdated: fields === "" ? NOTHING : fields.split(";"),
    orderStatusId: integerOf(record[width + AT.statusId]),
    orderStatus: record[width + AT.status] || undefined,
    shipmentId: idOf(record[width + AT.shipmentId]),
    error: record[width + AT.error] || undefined,
    errorCode: record[width + AT.errorCode] || undefined,
    message: record[width + AT.message] || undefined,
  };
}

/**
 * Run a batch: CSV rows → checked rows → API calls → outcomes → results CSV, streaming, in input order.
 * Throws for run-level failures before the first row (unreadable input, missing or rejected
 * credentials, an output path that cannot be written: OutputFileError E_OUTPUT_UNWRITABLE, one
 * that is the input or a symbolic link: E_OUTPUT_IS_INPUT, E_OUTPUT_SYMLINK, a results file another
 * run holds: ResultsLockedError E_RESULTS_LOCKED, the last three before anything is read), and
 * when writing the results fails later (E_OUTPUT_WRITE, once the rows in flight have finished).
 * A run stopped otherwise (interrupt, rejected credentials, outage, the reader of the output
 * stream gone) still gives every row a result and says why in `stopReason`.
 */
export async function runBatch(options: RunOptions): Promise<RunSummary> {
  const outputPath = typeof options.output === "string" ? options.output : undefined;
  if (outputPath === undefined) return runUnlocked(options);
  // Before anything is read, sent or written (issues 3 and 5): no output path may be the input or
  // a symbolic link, and one run at a time per results file (its `.lock`).
  await checkOutputPaths(
    options.input,
    outputPathsOf(outputPath, {
      resume: options.resume ?? false,
      failedFile: options.failedFile ?? true,
    }),
  );
  const lock = await lockResultsFile(outputPath);
  try {
    const warning = lock?.warning;
    return await runUnlocked(
      warning === undefined
        ? options
        : {
            ...options,
            onStart: (info) =>
              options.onStart?.({ ...info, warnings: [warning, ...info.warnings] }),
          },
    );
  } finally {
    lock?.release();
  }
}

async function runUnlocked(options: RunOptions): Promise<RunSummary> {
  // Both passes read a private copy of the input, removed in every ending: what is applied is
  // exactly what pass 1 checked, even if the original is overwritten meanwhile (or is a pipe).
  const snapshot = await snapshotInput(options.input, options.signal);
  try {
    return await runSnapshot(options, snapshot);
  } finally {
    await snapshot.close();
  }
}

async function runSnapshot(options: RunOptions, snapshot: InputSnapshot): Promise<RunSummary> {
  const started = performance.now();
  const readOptions = options.read ?? {};
  const info = await inspectInput(snapshot, readOptions, options.signal);
  // --resume with no results file yet is a fresh run, said on stderr with the input's warnings.
  const resumePlan = planResume(
    options.resume,
    typeof options.output === "string" ? options.output : undefined,
  );
  options.onStart?.(
    resumePlan.notice ? { ...info, warnings: [...info.warnings, resumePlan.notice] } : info,
  );

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
  // Graceful stop (the caller's signal, or the output gone): no row starts any more; rows in
  // flight get `graceMs` to finish, then their requests are cancelled.
  const interrupt = () => {
    stop("interrupted");
    if (graceTimer !== undefined) return;
    graceTimer = setTimeout(() => hard.abort(), options.graceMs ?? 30_000);
    graceTimer.unref();
  };
  if (options.signal?.aborted) interrupt();
  else options.signal?.addEventListener("abort", interrupt, { once: true });
  // The original changed (an exporter rewriting it): stop at once, like an interrupt. Rows in
  // flight finish; the rest are not_attempted, their cells from the snapshot.
  snapshot.watch((error) => stop("input_changed", error));

  // One retry budget for the whole run: an outage anywhere stops dispatching (issue #4).
  const retryQuota = new RetryQuota(
    options.retryBudget !== undefined ? { capacity: options.retryBudget } : undefined,
  );
  // Loaded only to run: `validate` never touches HTTP, and skips loading axios (bench figure 4).
  const stores: StoreRegistry | undefined =
    options.mode === "run"
      ? new (await import("./apply/stores.js")).StoreRegistry({
          directory: options.stores,
          userAgent: options.userAgent ?? "bc-order-batch",
          timeoutMs: options.timeoutMs,
          maxAttempts: options.maxAttempts,
          backoff: options.backoff,
          reserve: options.reserve,
          retryQuota,
          onApiEvent: options.onApiEvent,
          signal: hard.signal,
        })
      : undefined;
  const offlineStatuses = buildStatusTable(DEFAULT_ORDER_STATUSES);
  const offlineContext: CheckContext = {
    statuses: offlineStatuses,
    offline: options.mode === "validate",
    ...(options.stores?.ids ? { credentialsIds: options.stores.ids } : {}),
  };

  const width = info.headerCells.length;
  const orderIdColumn = info.columns.indexOf("order_id");
  const header = resultHeader(info.headerCells);
  const outputPath = typeof options.output === "string" ? options.output : undefined;
  const writePath = outputPath && resumePlan.resume ? `${outputPath}.partial` : outputPath;
  const failedPath =
    outputPath && (options.failedFile ?? true) ? failedRowsPath(outputPath) : undefined;
  let resultsTarget: Writable;
  let failedFile: WriteStream | undefined;
  try {
    if (options.mode === "run") {
      // Fail fast, before any row: the default store must accept the credentials.
      if (options.stores?.defaultId !== undefined || options.stores?.ids === undefined) {
        await stores?.get(undefined).statuses;
      }
    }
    if (outputPath) {
      await (resumePlan.resume
        ? foldPartialResults(outputPath, info.headerCells, orderIdColumn, options.excel ?? false)
        : rm(`${outputPath}.partial`, { force: true }));
    }
    // Both outputs are opened before any row runs, so an unwritable path fails the run now (exit
    // 2, naming the path) rather than with an unhandled 'error' event later.
    resultsTarget =
      writePath !== undefined ? await openOutputFile(writePath) : (options.output as Writable);
    try {
      failedFile = failedPath ? await openOutputFile(failedPath) : undefined;
    } catch (error) {
      // Nothing was written: leave no empty results file behind.
      if (writePath !== undefined) {
        resultsTarget.destroy();
        await removeOutputFile(writePath);
      }
      throw error;
    }
  } catch (error) {
    // Failed before the first row: nothing of the run may linger (listener, timer, requests).
    options.signal?.removeEventListener("abort", interrupt);
    if (graceTimer) clearTimeout(graceTimer);
    hard.abort();
    throw error;
  }
  // A failing output stops the run like an interrupt; the failure is reported at the end.
  const results = new GuardedOutput(resultsTarget, writePath ?? "the output stream", interrupt);
  const failedOut =
    failedFile && failedPath ? new GuardedOutput(failedFile, failedPath, interrupt) : undefined;

  const previous =
    outputPath && resumePlan.resume
      ? new PreviousResultsCursor(readPreviousResults(outputPath, info.headerCells, orderIdColumn))
      : undefined;
  const running = options.mode === "run";
  // The order (store and order id) of a row, for the rules that keep an order's rows in file order.
  const orderKeyOf = orderKeys(
    options.stores,
    running ? (await import("./apply/stores.js")).storeKey : undefined,
  );
  // --resume: once a row of an order is redone, every later row of that order is redone too, so
  // its rows are applied again in file order and the last row wins (issue #2).
  const redone = previous ? new LaterRowsOfOrder() : undefined;

  async function* check(rows: AsyncIterable<SourceRow>): AsyncGenerator<Item> {
    for await (const source of rows) {
      // No await at all without --resume: this loop runs for every row of million-row files.
      const earlier = previous ? await previous.find(source.line) : undefined;
      // Done before, and the same row: a row edited since (a fixed value) is redone, and so is
      // every later row of an order one of whose rows is redone.
      let carry =
        earlier !== undefined &&
        DONE_BEFORE.has(earlier.result) &&
        sameInputCells(earlier.record, source.cells, width);
      if (redone && previous) {
        // Past the earlier file's end no row is carried over: the orders need not be remembered.
        if (previous.exhausted) redone.clear();
        else if ((!carry || redone.tracking) && redone.next(orderKeyOf(source.values), !carry)) {
          carry = false;
        }
      }
      if (earlier && carry) {
        yield {
          source,
          outcome: outcomeFromRecord(source, earlier, width),
          record: earlier.record,
        };
        continue;
      }
      let store: Store | undefined;
      let storeError: BatchError | undefined;
      let statuses = offlineStatuses;
      if (running) {
        if (stopReason === undefined) {
          try {
            const candidate = (stores as StoreRegistry).get(
              source.values.credentials_id?.trim() || undefined,
            );
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
        // The run has stopped (before or while this row's store opened), or the store's statuses
        // could not be read for a transient reason: nothing is sent, and the row cannot be checked
        // against the store's own statuses. Against the built-in table only, a renamed status
        // (custom_label) would be `invalid`, which --resume keeps as done: not_attempted instead.
        if (store === undefined && (storeError === undefined || isTransientFailure(storeError))) {
          const orderId = idOf(source.values.order_id);
          yield {
            source,
            outcome: storeError
              ? noStore(source, orderId, storeError)
              : notAttempted(source, orderId),
          };
          continue;
        }
      }
      const checked = checkRow(
        source,
        statuses === offlineStatuses ? offlineContext : { ...offlineContext, statuses },
      );
      // Plain literals, no spreads: this is the per-row hot path of `validate`.
      if (!checked.ok) {
        yield {
          source,
          outcome: {
            index: source.index,
            line: source.line,
            orderId: idOf(source.values.order_id),
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
            ? noStore(source, checked.row.orderId, storeError)
            : notAttempted(source, checked.row.orderId),
        };
      } else {
        yield { source, apply: checked.row, store, key: `${store.key}|${checked.row.orderId}` };
      }
    }
  }

  const notAttempted = (source: SourceRow, orderId: number | undefined): RowOutcome => ({
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
      // `--concurrency` per store, so a store waiting for its quota window never holds up another.
      groupOf: (item) => ("apply" in item ? item.store.key : ""),
      stopped: () => stopReason !== undefined,
      // Keyless items are done already; a row to apply that was not started is not attempted.
      skip: (item) =>
        "apply" in item
          ? { source: item.source, outcome: notAttempted(item.source, item.apply.orderId) }
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
  await failedOut?.write(bom + csvLine(info.headerCells, false));
  // Offline, rows complete as fast as they are read: write them in batches. In a run, every row as
  // it completes, so a kill loses at most the rows in flight (issue #4).
  const batchSize = options.mode === "validate" ? 256 : 1;

  const toRerun = new LaterRowsOfOrder();

  async function* format(done: AsyncIterable<Done>): AsyncGenerator<string> {
    yield bom + csvLine(header, true);
    let batch = "";
    let batched = 0;
    for await (const { source, outcome, record } of done) {
      summary.add(outcome);
      options.onRow?.(outcome);
      // Every row that did not succeed, and every later row of its order (even one that did), so
      // that the file fed back in applies the order's rows in file order and the last row wins.
      const failed = !SUCCESS_STATES.has(outcome.result);
      if (
        failedOut &&
        (failed || toRerun.tracking) &&
        toRerun.next(orderKeyOf(source.values), failed)
      ) {
        const cells = source.cells.slice(0, width);
        while (cells.length < width) cells.push("");
        const full = failedOut.write(csvLine(cells, false));
        if (full) await full;
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

  async function write(chunks: AsyncIterable<string>): Promise<void> {
    for await (const chunk of chunks) {
      // Offline nothing is in flight: once an output failed, stop reading the input. A run reads
      // on, so that rows in flight finish and every row is counted (the rest not_attempted).
      if (!running && (results.failure ?? failedOut?.failure) !== undefined) return;
      const full = results.write(chunk);
      if (full) await full;
    }
  }

  let failure: { readonly error: unknown } | undefined;
  try {
    await pipeline(readRows(info, readOptions), check, apply, format, write);
  } catch (error) {
    failure = { error };
    // Nothing of this run may go on once it has settled: cancel the requests of rows in flight
    // (applyInOrder starts no other); their results could not be written anyway.
    hard.abort();
  } finally {
    options.signal?.removeEventListener("abort", interrupt);
    await previous?.close();
  }
  // A file is ended (what was written is kept); a stream (stdout) never is. A failure met while
  // the last writes complete interrupts too, hence the grace timer is cleared only after.
  await results.close(writePath !== undefined);
  await failedOut?.close(true);
  if (graceTimer) clearTimeout(graceTimer);
  if (failure) throw failure.error;
  const broken = results.failure ? results : failedOut?.failure ? failedOut : undefined;
  // A reader that went away (`-o - | head`) stopped the run like an interrupt: the summary says
  // so. Any other failure (a full disk) lost results: the run fails.
  if (
    broken &&
    !(broken === results && writePath === undefined && readerWentAway(broken.failure))
  ) {
    throw new OutputFileError(
      "E_OUTPUT_WRITE",
      `writing failed (${broken.failure?.message}); the run stopped and this file is incomplete`,
      { file: broken.name, cause: broken.failure },
    );
  }
  if (writePath !== undefined && outputPath !== undefined && writePath !== outputPath) {
    await rename(writePath, outputPath);
  }
  if (failedPath && summary.failed === 0) await rm(failedPath, { force: true });

  // A change in the last moments, before the watch saw it, is reported too.
  if (stopReason === undefined) {
    const change = await snapshot.check();
    if (change) stop("input_changed", change);
  }
  return summary.build({
    stats: stores?.stats() ?? [],
    elapsedMs: Math.round(performance.now() - started),
    stopReason,
    stopError,
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
  orderIdColumn: number,
  excel: boolean,
): Promise<void> {
  const partialPath = `${outputPath}.partial`;
  if (!existsSync(partialPath)) return;
  let lastLine = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const row of readPreviousResults(partialPath, inputHeader, orderIdColumn)) {
      lastLine = row.line;
      yield [...row.record];
    }
    if (lastLine === 0 || !existsSync(outputPath)) return;
    for await (const row of readPreviousResults(outputPath, inputHeader, orderIdColumn)) {
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

/**
 * Outcome of a row whose store could not be opened (no credentials for it, statuses unreadable).
 * A transient reason (the store down for a while) leaves it `not_attempted`, so --resume tries it
 * again (issue #4); any other reason is the row's failure.
 */
function noStore(source: SourceRow, orderId: number | undefined, error: BatchError): RowOutcome {
  const transient = isTransientFailure(error);
  return {
    index: source.index,
    line: source.line,
    orderId,
    result: transient ? "not_attempted" : "failed",
    fieldsUpdated: NOTHING,
    errorCode: error.code,
    error: transient ? `not attempted: ${error.message}` : error.message,
    message: transient
      ? "the store's order statuses could not be read (retries used up); nothing was sent for this row; --resume tries it again"
      : undefined,
  };
}
