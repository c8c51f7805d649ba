import { pipeline } from "node:stream/promises";
import { OutageError } from "./api/errors.js";
import { applyStage } from "./apply/apply-stage.js";
import type { Done, ToApply } from "./apply/items.js";
import { openStores } from "./apply/open-stores.js";
import { RunStop } from "./apply/stop.js";
import type { CheckContext } from "./check/check-row.js";
import { checkRows } from "./check/check-rows.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "./check/statuses.js";
import type { BatchError } from "./errors.js";
import { type InputSnapshot, inspectInput, readRows, snapshotInput } from "./input/read-rows.js";
import { checkRunOptions } from "./options.js";
import { type Estimate, estimateRows, estimateRun, type QuotaInfo } from "./output/estimate.js";
import { lockResultsFile } from "./output/lock.js";
import { RunOutputs } from "./output/outputs.js";
import { checkOutputPaths, outputPathsOf } from "./output/paths.js";
import { type RunSummary, SummaryBuilder } from "./output/summarize.js";
import { UndoFile } from "./output/undo.js";
import { OutputFileError } from "./output/write-results.js";
import { attachShipmentPlanning, ITEM_COLUMNS, ShipmentGroups } from "./read/shipment-groups.js";
import { BulkReads, type Settling } from "./read/stages.js";
import { orderKeys, planResume } from "./resume/carry-over.js";
import { SkipDone } from "./resume/skip-done.js";
import type { RunOptions } from "./run-options.js";
import type { ColumnName } from "./types.js";

export type { RunOptions } from "./run-options.js";

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
  const stores = storesModule?.storeRegistryFor(options, stop.hard);
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
      estimate = await estimateRows(
        readRows(info, readOptions, options.signal),
        info.rowCount,
        options.reads ?? "bulk",
        quota,
      );
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
  // Bulk reads (issue 12): one order cache per store; the rows coming are announced ahead.
  const bulk =
    running && (options.reads ?? "bulk") === "bulk" ? new BulkReads(stop.hard) : undefined;
  if (bulk) stages.push((items) => bulk.announce(items as AsyncIterable<Done | ToApply>));
  stages.push((items) =>
    applyStage(items as AsyncIterable<Done | ToApply>, {
      concurrency: options.concurrency ?? 4,
      stop,
      dryRun: options.dryRun ?? false,
      reconcileDelayMs: options.reconcileDelayMs ?? 2000,
      bulk,
      onFatal: stopFor,
    }),
  );
  if (bulk) {
    stages.push((items) =>
      bulk.settle(items as AsyncIterable<Settling>, () => stop.stopped, stopFor),
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

async function* mapItems<T>(items: AsyncIterable<T>, map: (item: T) => T): AsyncGenerator<T> {
  for await (const item of items) yield map(item);
}

const identity = (items: AsyncIterable<unknown>): AsyncIterable<unknown> => items;
