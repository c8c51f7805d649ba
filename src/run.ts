import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ApiEvent } from "./api/bigcommerce.js";
import { OutageError } from "./api/errors.js";
import { RetryQuota } from "./api/retry-policy.js";
import { applyInOrder } from "./apply/apply-in-order.js";
import { applyRow } from "./apply/apply-row.js";
import type { Done, ToApply } from "./apply/items.js";
import { openStores } from "./apply/open-stores.js";
import { notAttempted } from "./apply/outcomes.js";
import { RunStop } from "./apply/stop.js";
import type { Store, StoreRegistry } from "./apply/stores.js";
import type { CheckContext } from "./check/check-row.js";
import { checkRows } from "./check/check-rows.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "./check/statuses.js";
import type { StoreDirectory } from "./credentials.js";
import type { BatchError } from "./errors.js";
import {
  type InputInfo,
  type InputSnapshot,
  inspectInput,
  type ReadOptions,
  readRows,
  snapshotInput,
} from "./input/read-rows.js";
import { checkRunOptions } from "./options.js";
import {
  type Estimate,
  estimateRun,
  type QuotaInfo,
  type RowKind,
  requestsFor,
  rowKind,
} from "./output/estimate.js";
import { lockResultsFile } from "./output/lock.js";
import { RunOutputs } from "./output/outputs.js";
import { checkOutputPaths, outputPathsOf } from "./output/paths.js";
import { type RunSummary, SummaryBuilder } from "./output/summarize.js";
import { UndoFile } from "./output/undo.js";
import { OutputFileError } from "./output/write-results.js";
import { LOOKAHEAD_ROWS, OrderReads } from "./read/order-reads.js";
import { attachShipmentPlanning, ITEM_COLUMNS, ShipmentGroups } from "./read/shipment-groups.js";
import { lookAhead, type Settling, settleChecks } from "./read/stages.js";
import { orderKeys, planResume } from "./resume/carry-over.js";
import { SkipDone } from "./resume/skip-done.js";
import type { AlreadyShippedPolicy, ColumnName, RowOutcome } from "./types.js";

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
  /**
   * How orders are read (issue 12, README "Costs"): `bulk` reads the orders of the rows coming
   * together (range reads, or one read with consignments per order) and writes only values that
   * differ; `per-order` is the older flow (reads per shipment row, every given value sent).
   * @default "bulk"
   */
  readonly reads?: "bulk" | "per-order";
  /**
   * A fully shipped order whose row has another tracking number and no items (another app shipped
   * it, README "Split parcels"): `ok` ends it `unchanged` naming that shipment, `fail` ends it
   * `failed` with E_ALREADY_SHIPPED. @default "ok"
   */
  readonly alreadyShipped?: AlreadyShippedPolicy;
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
  /**
   * Called once before the first write of a run (and a dry run) with how long it will take at the
   * store's quota: the rows' requests by kind (output/estimate.ts ROW_COSTS), at the quota the
   * default store's first answer announced, less the reserve. Costs one more local pass over the
   * input, so only when asked.
   */
  readonly onEstimate?: (estimate: Estimate) => void;
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
  checkRunOptions(options);
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
  const outputPath = typeof options.output === "string" ? options.output : undefined;
  // --resume with no results file yet is a fresh run, said on stderr with the input's warnings.
  const resumePlan = planResume(options.resume, outputPath);
  options.onStart?.(
    resumePlan.notice ? { ...info, warnings: [...info.warnings, resumePlan.notice] } : info,
  );

  const running = options.mode === "run";
  const stop = new RunStop(options.signal, options.graceMs ?? 30_000);
  // The original changed (an exporter rewriting it): stop at once, like an interrupt. Rows in
  // flight finish; the rest are not_attempted, their cells from the snapshot.
  snapshot.watch((error) => stop.stop("input_changed", error));
  // Loaded only to run: `validate` never touches HTTP, and skips loading axios (bench figure 4).
  const storesModule = running ? await import("./apply/stores.js") : undefined;
  const stores = storesModule && openStoreRegistry(storesModule, options, stop.hard);
  const offline: CheckContext = {
    statuses: buildStatusTable(DEFAULT_ORDER_STATUSES),
    offline: options.mode === "validate",
    ...(options.stores?.ids ? { credentialsIds: options.stores.ids } : {}),
    columns: new Set(info.columns.filter((column): column is ColumnName => column !== undefined)),
  };

  // The order (store and order id) of a row, for the rules that keep an order's rows in file order.
  const orderKeyOf = orderKeys(options.stores, storesModule?.storeKey);
  let outputs: RunOutputs;
  let estimate: Estimate | undefined;
  let quota: QuotaInfo | undefined;
  let undo: UndoFile | undefined;
  let groups: ShipmentGroups | undefined;
  try {
    // Fail fast, before any row: the default store must accept the credentials.
    const hasDefault = options.stores?.defaultId !== undefined || options.stores?.ids === undefined;
    if (stores && hasDefault) await stores.get(undefined).statuses;
    if (stores && options.onEstimate) {
      quota = hasDefault ? stores.get(undefined).quota() : { reserve: options.reserve ?? 0 };
      estimate = await estimateInput(info, readOptions, options.reads ?? "bulk", quota);
      options.onEstimate(estimate);
    }
    // Split parcels: one more local pass, only for a file with item columns (read/shipment-groups.ts).
    if (running && info.columns.some((column) => ITEM_COLUMNS.some((item) => item === column))) {
      groups = await ShipmentGroups.build(
        readRows(info, readOptions, options.signal),
        orderKeyOf,
        offline,
      );
    }
    outputs = await RunOutputs.open(info, {
      output: options.output,
      failedFile: outputPath !== undefined && (options.failedFile ?? true),
      resume: resumePlan.resume,
      excel: options.excel ?? false,
      // Offline, rows complete as fast as they are read: written in batches. In a run, every row as
      // it completes, so a kill loses at most the rows in flight (issue #4).
      batchSize: running ? 1 : 256,
      onFailure: () => stop.interrupt(),
    });
    // Issue 15: a run that can write leaves an undo file beside its results (output/undo.ts).
    if (running && !options.dryRun && outputPath !== undefined) {
      undo = await UndoFile.open(outputPath, info, {
        resume: resumePlan.resume,
        excel: options.excel ?? false,
      });
    }
  } catch (error) {
    // Failed before the first row: nothing of the run may linger (listener, timer, requests).
    stop.dispose();
    stop.abort();
    throw error;
  }

  const skipDone =
    outputPath && resumePlan.resume
      ? new SkipDone(
          outputPath,
          info.headerCells,
          info.columns.indexOf("order_id"),
          orderKeyOf,
          info.delimiter,
        )
      : undefined;
  const summary = new SummaryBuilder();
  const concurrency = options.concurrency ?? 4;
  const stopFor = (fatal: BatchError) =>
    stop.stop(fatal instanceof OutageError ? "outage" : "credentials_rejected", fatal);

  // The stages: read rows → skip done rows (resume) → open the row's store → check (pure) →
  // read the order, plan (pure), apply, in order → result rows → write.
  const stages: ((items: AsyncIterable<never>) => AsyncIterable<unknown>)[] = [];
  if (skipDone) stages.push((rows) => skipDone.stage(rows));
  if (stores) stages.push((items) => openStores(items, stores, stop, offline.statuses));
  stages.push((items) =>
    checkRows(items, {
      context: offline,
      validateOnly: !running,
      stopError: () => stop.error,
    }),
  );
  // Every shipment row gets its group (split parcels) and the --already-shipped policy.
  const alreadyShipped = options.alreadyShipped ?? "ok";
  if (running) {
    stages.push((items) =>
      mapItems(items as AsyncIterable<Done | ToApply>, (item) =>
        "apply" in item ? attachShipmentPlanning(item, groups, orderKeyOf, alreadyShipped) : item,
      ),
    );
  }
  // Bulk reads (issue 12): one OrderReads per store; the rows coming are announced ahead.
  const bulk = running && (options.reads ?? "bulk") === "bulk";
  const orderReads = new Map<string, OrderReads>();
  const readsOf = (store: Store): OrderReads => {
    let reads = orderReads.get(store.key);
    if (!reads) {
      reads = new OrderReads(store.api, stop.hard);
      orderReads.set(store.key, reads);
    }
    return reads;
  };
  if (bulk) {
    stages.push((items) =>
      lookAhead(items as AsyncIterable<Done | ToApply>, LOOKAHEAD_ROWS, (item) => {
        if ("apply" in item) readsOf(item.store).announce(item.apply.orderId);
      }),
    );
  }
  stages.push((items) =>
    applyInOrder<Done | ToApply, Settling>(items, {
      concurrency,
      maxPending: Math.max(64, concurrency * 16),
      keyOf: (item) => ("apply" in item ? item.key : undefined),
      // `--concurrency` per store, so a store waiting for its quota window never holds up another.
      groupOf: (item) => ("apply" in item ? item.store.key : ""),
      stopped: () => stop.stopped,
      // Keyless items are done already; a row to apply that was not started is not attempted.
      skip: (item) =>
        "apply" in item
          ? {
              source: item.source,
              outcome: notAttempted(item.source, item.apply.orderId, stop.error),
            }
          : item,
      work: async (item) => {
        if (!("apply" in item)) return item;
        const statuses = bulk ? await item.store.statuses : undefined;
        const applied = await applyRow(item.apply, {
          api: item.store.api,
          dryRun: options.dryRun ?? false,
          reconcileDelayMs: options.reconcileDelayMs ?? 2000,
          signal: stop.hard,
          ...(bulk ? { reads: readsOf(item.store) } : {}),
          ...(statuses ? { statusName: (id: number) => statuses.nameOf(id) } : {}),
        });
        if (applied.fatal) stopFor(applied.fatal);
        return {
          source: item.source,
          outcome: applied.outcome,
          ...(applied.settled ? { settled: applied.settled } : {}),
        };
      },
    }),
  );
  if (bulk) {
    stages.push((items) =>
      settleChecks(items as AsyncIterable<Settling>, {
        pending: () => [...orderReads.values()].reduce((sum, r) => sum + r.pendingChecks, 0),
        flush: () => Promise.all([...orderReads.values()].map((r) => r.flush())).then(() => {}),
        stopped: () => stop.stopped,
        onFatal: stopFor,
      }),
    );
  }
  stages.push((done) =>
    outputs.format(
      done,
      (outcome) => {
        summary.add(outcome);
        undo?.add(outcome);
        options.onRow?.(outcome);
      },
      orderKeyOf,
    ),
  );

  let failure: { readonly error: unknown } | undefined;
  try {
    await pipeline(readRows(info, readOptions), ...(stages as [typeof identity]), (chunks) =>
      // Offline nothing is in flight: once an output failed, stop reading the input. A run reads
      // on, so that rows in flight finish and every row is counted (the rest not_attempted).
      outputs.write(chunks as AsyncIterable<string>, !running),
    );
  } catch (error) {
    failure = { error };
    // Nothing of this run may go on once it has settled: cancel the requests of rows in flight
    // (applyInOrder starts no other); their results could not be written anyway.
    stop.abort();
  } finally {
    stop.detach();
    await skipDone?.close();
  }
  // A failure met while the last writes complete interrupts too, hence the grace timer is cleared
  // only after.
  await outputs.close();
  await undo?.close();
  stop.dispose();
  if (failure) throw failure.error;
  const { failedFile } = await outputs.finish();
  const undoResult = await undo?.finish().catch((error: Error) => {
    throw new OutputFileError("E_OUTPUT_WRITE", `writing the undo file failed (${error.message})`, {
      file: undo?.path ?? "",
      cause: error,
    });
  });

  // A change in the last moments, before the watch saw it, is reported too.
  if (!stop.stopped) {
    const change = await snapshot.check();
    if (change) stop.stop("input_changed", change);
  }
  const stats = stores?.stats() ?? [];
  // A dry run knows its cost exactly: the reads it made and the writes it planned.
  if (options.dryRun && quota) {
    const reads = stats.reduce((total, store) => total + store.requests, 0);
    estimate = estimateRun(reads + summary.writesPlanned, summary.rows, quota, true);
  }
  const built = summary.build({
    stats,
    elapsedMs: Math.round(performance.now() - started),
    stopReason: stop.reason,
    stopError: stop.error,
    resultsFile: outputPath,
    failedFile,
    estimate,
  });
  return undoResult ? { ...built, undo: undoResult } : built;
}

/** The pass that prices the input: every row's kind, counted, at the quota given. */
async function estimateInput(
  info: InputInfo,
  readOptions: ReadOptions,
  reads: "bulk" | "per-order",
  quota: QuotaInfo,
): Promise<Estimate> {
  const counts: Partial<Record<RowKind, number>> = {};
  for await (const row of readRows(info, readOptions)) {
    const kind = rowKind(row.values);
    if (kind !== undefined) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return estimateRun(requestsFor(counts, reads), info.rowCount, quota);
}

async function* mapItems<T>(items: AsyncIterable<T>, map: (item: T) => T): AsyncGenerator<T> {
  for await (const item of items) yield map(item);
}

const identity = (items: AsyncIterable<unknown>): AsyncIterable<unknown> => items;

/** One client per store, shared by every worker; an outage anywhere stops dispatching (issue #4). */
function openStoreRegistry(
  module: typeof import("./apply/stores.js"),
  options: RunOptions,
  signal: AbortSignal,
): StoreRegistry {
  return new module.StoreRegistry({
    directory: options.stores,
    userAgent: options.userAgent ?? "bc-order-batch",
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    backoff: options.backoff,
    reserve: options.reserve,
    retryQuota: new RetryQuota(
      options.retryBudget !== undefined ? { capacity: options.retryBudget } : undefined,
    ),
    onApiEvent: options.onApiEvent,
    signal,
  });
}
