import { rename, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import type { Done } from "../apply/items.js";
import type { InputInfo } from "../input/read-rows.js";
import { LaterRowsOfOrder, type OrderKey } from "../resume/carry-over.js";
import { foldPartialResults } from "../resume/previous-results.js";
import { type RowOutcome, type SourceRow, SUCCESS_STATES } from "../types.js";
import { csvLine, UTF8_BOM } from "./csv-line.js";
import { resultHeader, toResultRecord } from "./result-row.js";
import {
  failedRowsPath,
  GuardedOutput,
  OutputFileError,
  openOutputFile,
  readerWentAway,
  removeOutputFile,
} from "./write-results.js";

/** Where a run writes, and how. */
export interface OutputOptions {
  /** The results file, or a stream (stdout) that is never ended. */
  readonly output: string | Writable;
  /** Write `<results>.failed.csv` (a path output only). */
  readonly failedFile: boolean;
  /** A --resume run writes `<results>.partial` and renames it over the results at its end. */
  readonly resume: boolean;
  readonly excel: boolean;
  /** Offline runs write in batches; a run writes every row as it completes (a kill loses little). */
  readonly batchSize: number;
  /** A failing output stops the run like an interrupt; the failure is reported at the end. */
  readonly onFailure: () => void;
}

/**
 * The output files of one run, from opening to the final rename: the results (every row, in input
 * order) and the failed-rows file (every row that did not succeed, and every later row of its
 * order, so that running it applies the order's rows again in file order).
 */
export class RunOutputs {
  readonly outputPath: string | undefined;
  readonly failedPath: string | undefined;
  readonly #writePath: string | undefined;
  readonly #results: GuardedOutput;
  readonly #failed: GuardedOutput | undefined;
  readonly #info: InputInfo;
  readonly #options: OutputOptions;
  /** Failed-rows rows written (the file is removed at the end when none were). */
  #failedRows = 0;

  private constructor(
    info: InputInfo,
    options: OutputOptions,
    paths: { output?: string; write?: string; failed?: string },
    results: GuardedOutput,
    failed: GuardedOutput | undefined,
  ) {
    this.#info = info;
    this.#options = options;
    this.outputPath = paths.output;
    this.#writePath = paths.write;
    this.failedPath = paths.failed;
    this.#results = results;
    this.#failed = failed;
  }

  /**
   * Opens both outputs before any row runs, so an unwritable path fails the run now (exit 2, naming
   * the path) rather than with an unhandled 'error' event later. A --resume run first folds in the
   * partial file a killed resume run left; a fresh run drops it.
   */
  static async open(info: InputInfo, options: OutputOptions): Promise<RunOutputs> {
    const output = typeof options.output === "string" ? options.output : undefined;
    const write = output && options.resume ? `${output}.partial` : output;
    const failed = output && options.failedFile ? failedRowsPath(output) : undefined;
    if (output) {
      const orderIdColumn = info.columns.indexOf("order_id");
      await (options.resume
        ? foldPartialResults(output, info.headerCells, orderIdColumn, options.excel, info)
        : rm(`${output}.partial`, { force: true }));
    }
    const target = write !== undefined ? await openOutputFile(write) : (options.output as Writable);
    let failedFile: Writable | undefined;
    try {
      failedFile = failed ? await openOutputFile(failed) : undefined;
    } catch (error) {
      // Nothing was written: leave no empty results file behind.
      if (write !== undefined) {
        target.destroy();
        await removeOutputFile(write);
      }
      throw error;
    }
    const results = new GuardedOutput(target, write ?? "the output stream", options.onFailure);
    const failedOut =
      failedFile && failed ? new GuardedOutput(failedFile, failed, options.onFailure) : undefined;
    return new RunOutputs(
      info,
      options,
      {
        ...(output !== undefined ? { output } : {}),
        ...(write !== undefined ? { write } : {}),
        ...(failed !== undefined ? { failed } : {}),
      },
      results,
      failedOut,
    );
  }

  /** A run reads on after an output failed (rows in flight finish); offline there is no point. */
  get failed(): boolean {
    return (this.#results.failure ?? this.#failed?.failure) !== undefined;
  }

  /**
   * The format stage: every settled row becomes its results record (and, when it did not succeed
   * or follows one of its order that did not, a failed-rows record); `seen` is told of each.
   */
  async *format(
    done: AsyncIterable<Done>,
    seen: (outcome: RowOutcome) => void,
    orderKeyOf: (values: SourceRow["values"]) => OrderKey | undefined,
  ): AsyncGenerator<string> {
    // In the input's dialect, so the results open in the spreadsheet the input came from.
    const { headerCells, delimiter, lineEnding } = this.#info;
    const width = headerCells.length;
    const bom = this.#options.excel ? UTF8_BOM : "";
    const failedOut = this.#failed;
    await failedOut?.write(bom + csvLine(headerCells, false, delimiter, lineEnding));
    yield bom + csvLine(resultHeader(headerCells), true, delimiter, lineEnding);
    const toRerun = new LaterRowsOfOrder();
    const batchSize = this.#options.batchSize;
    let batch = "";
    let batched = 0;
    for await (const { source, outcome, record } of done) {
      seen(outcome);
      const failed = !SUCCESS_STATES.has(outcome.result);
      if (
        failedOut &&
        (failed || toRerun.tracking) &&
        toRerun.next(orderKeyOf(source.values), failed)
      ) {
        const cells = source.cells.slice(0, width);
        while (cells.length < width) cells.push("");
        this.#failedRows++;
        const full = failedOut.write(csvLine(cells, false, delimiter, lineEnding));
        if (full) await full;
      }
      batch += csvLine(
        record ?? toResultRecord(width, source.cells, outcome),
        true,
        delimiter,
        lineEnding,
      );
      if (++batched >= batchSize) {
        yield batch;
        batch = "";
        batched = 0;
      }
    }
    if (batch !== "") yield batch;
  }

  /** The write stage. `stopOnFailure`: offline, stop reading the input once an output failed. */
  async write(chunks: AsyncIterable<string>, stopOnFailure: boolean): Promise<void> {
    for await (const chunk of chunks) {
      if (stopOnFailure && this.failed) return;
      const full = this.#results.write(chunk);
      if (full) await full;
    }
  }

  /** Ends the files (what was written is kept); a stream (stdout) is never ended. */
  async close(): Promise<void> {
    await this.#results.close(this.#writePath !== undefined);
    await this.#failed?.close(true);
  }

  /**
   * After close: a reader that went away (`-o - | head`) stopped the run like an interrupt, and the
   * summary says so; any other failure (a full disk) lost results, and the run fails. Then the
   * partial file of a resume run replaces the results, and a failed-rows file with no row goes.
   */
  async finish(): Promise<{ readonly failedFile?: string }> {
    const results = this.#results;
    const failedOut = this.#failed;
    const broken = results.failure ? results : failedOut?.failure ? failedOut : undefined;
    if (
      broken &&
      !(broken === results && this.#writePath === undefined && readerWentAway(broken.failure))
    ) {
      throw new OutputFileError(
        "E_OUTPUT_WRITE",
        `writing failed (${broken.failure?.message}); the run stopped and this file is incomplete`,
        { file: broken.name, cause: broken.failure },
      );
    }
    if (this.#writePath !== undefined && this.outputPath !== undefined) {
      if (this.#writePath !== this.outputPath) await rename(this.#writePath, this.outputPath);
    }
    if (this.failedPath === undefined) return {};
    if (this.#failedRows === 0) {
      await rm(this.failedPath, { force: true });
      return {};
    }
    return { failedFile: this.failedPath };
  }
}
