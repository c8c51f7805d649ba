import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { RESULT_COLUMNS } from "../input/columns.js";
import { type CsvDelimiter, csvLine, UTF8_BOM } from "../output/csv-line.js";
import { resultHeader } from "../output/result-row.js";
import type { RowOutcome, RowResultState, SourceRow } from "../types.js";

// Reading an earlier results file back, for --resume: the rows it shows as done, and the outcome
// each carried-over row reports again.

/** A row of an earlier results file, as `--resume` needs it. */
export interface PreviousResult {
  readonly line: number;
  readonly orderId: string;
  readonly result: string;
  readonly record: readonly string[];
}

/**
 * Stream an earlier results file in order. A kill -9 can leave the last record cut short: a record
 * of the wrong width, or a quote left open at the end, ends the reading there (the rows after it
 * are redone). `orderIdColumn` is the input column that holds order_id once `--map` is applied
 * (InputInfo.columns), not found by its name in the header: with `Order Number=order_id` the header
 * says "Order Number".
 */
export async function* readPreviousResults(
  path: string,
  inputHeader: readonly string[],
  orderIdColumn: number,
  delimiter: CsvDelimiter = ",",
): AsyncGenerator<PreviousResult> {
  const width = inputHeader.length + RESULT_COLUMNS.length;
  const lineAt = inputHeader.length;
  const parser = parse({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: true });
  // pipe() does not pass on the file's errors: a file that cannot be read (gone, ENOENT) would be
  // an unhandled 'error' event. Passed on, it ends the reading like a cut-short file: no rows.
  const file = createReadStream(path).on("error", (error) => parser.destroy(error));
  file.pipe(parser);
  let first = true;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (first) {
        first = false;
        continue;
      }
      if (record.length !== width) return;
      const line = Number(record[lineAt]);
      if (!Number.isInteger(line)) return;
      yield {
        line,
        orderId: orderIdColumn < 0 ? "" : (record[orderIdColumn] ?? "").trim(),
        result: record[lineAt + 1] ?? "",
        record,
      };
    }
  } catch {
    // A cut-short last record (unclosed quote at end of file): stop at the last complete one.
  } finally {
    parser.destroy();
    file.destroy();
  }
}

/**
 * Walks an earlier results file alongside the input: both are in input order, so one record of
 * look-ahead is enough and memory stays constant (never the whole file in memory).
 */
export class PreviousResultsCursor {
  readonly #records: AsyncGenerator<PreviousResult>;
  #lookahead: PreviousResult | undefined;
  #exhausted = false;

  constructor(records: AsyncGenerator<PreviousResult>) {
    this.#records = records;
  }

  /** True once the file has no record left: no later line has an earlier result. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** The earlier result of input line `line`, if the file has one. Lines must be asked in increasing order. */
  async find(line: number): Promise<PreviousResult | undefined> {
    while (!this.#exhausted) {
      if (this.#lookahead === undefined) {
        const next = await this.#records.next();
        if (next.done) {
          this.#exhausted = true;
          return undefined;
        }
        this.#lookahead = next.value;
      }
      if (this.#lookahead.line > line) return undefined;
      const candidate = this.#lookahead;
      this.#lookahead = undefined;
      if (candidate.line === line) return candidate;
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.#records.return(undefined);
  }
}

/**
 * Whether an earlier results record holds exactly the input cells `cells` (the row as read now,
 * padded or cut to `width` as the results file stores it). A row edited between runs (a fixed
 * value on the same line, for the same order) is then redone, not carried over as done. Cells a
 * spreadsheet would run were written with a leading `'` (csv-line.ts): compare them as written.
 */
export function sameInputCells(
  record: readonly string[],
  cells: readonly string[],
  width: number,
): boolean {
  for (let i = 0; i < width; i++) {
    const written = record[i] ?? "";
    const cell = cells[i] ?? "";
    if (written !== cell && csvLine([cell], true) !== csvLine([written], false)) return false;
  }
  return true;
}

/** Results a --resume run keeps as done (the others are redone). */
export const DONE_BEFORE: ReadonlySet<string> = new Set<RowResultState>([
  "updated",
  "unchanged",
  "already_shipped",
  "failed",
  "invalid",
]);

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
export function idOf(text: string | undefined): number | undefined {
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
 * fields_updated still lists shipment_created); `carriedOver` tells it apart from this run's rows.
 */
export function outcomeFromRecord(
  source: SourceRow,
  previous: PreviousResult,
  width: number,
): RowOutcome {
  const record = previous.record;
  const fields = record[width + AT.fields] ?? "";
  return {
    index: source.index,
    line: source.line,
    orderId: idOf(previous.orderId),
    result: previous.result as RowResultState,
    fieldsUpdated: fields === "" ? [] : fields.split(";"),
    orderStatusId: integerOf(record[width + AT.statusId]),
    orderStatus: record[width + AT.status] || undefined,
    shipmentId: idOf(record[width + AT.shipmentId]),
    error: record[width + AT.error] || undefined,
    errorCode: record[width + AT.errorCode] || undefined,
    message: record[width + AT.message] || undefined,
    carriedOver: true,
    // Read back as written: the results file gives every row that did not succeed a code.
  } as RowOutcome;
}

/**
 * A --resume run writes `<output>.partial` and renames it over the results only at its end, so a
 * kill -9 leaves the partial file behind. It holds, in input order, every row up to the kill
 * (carried over or done by that run): fold it into the results before resuming, so that a kill -9
 * of a resume run too loses at most the rows in flight (issue #4). Rows after the partial file's
 * last complete record keep their earlier result. A partial file without a usable record is
 * dropped. The fold is written aside and renamed, so a kill during it loses nothing either.
 */
export async function foldPartialResults(
  outputPath: string,
  inputHeader: readonly string[],
  orderIdColumn: number,
  excel: boolean,
  dialect: { readonly delimiter: CsvDelimiter; readonly lineEnding: "\r\n" | "\n" } = {
    delimiter: ",",
    lineEnding: "\n",
  },
): Promise<void> {
  const { delimiter, lineEnding } = dialect;
  const partialPath = `${outputPath}.partial`;
  if (!existsSync(partialPath)) return;
  let lastLine = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const row of readPreviousResults(
      partialPath,
      inputHeader,
      orderIdColumn,
      delimiter,
    )) {
      lastLine = row.line;
      yield [...row.record];
    }
    if (lastLine === 0 || !existsSync(outputPath)) return;
    for await (const row of readPreviousResults(
      outputPath,
      inputHeader,
      orderIdColumn,
      delimiter,
    )) {
      if (row.line > lastLine) yield [...row.record];
    }
  }
  const foldPath = `${outputPath}.fold`;
  async function* lines(): AsyncGenerator<string> {
    yield (excel ? UTF8_BOM : "") + csvLine(resultHeader(inputHeader), true, delimiter, lineEnding);
    for await (const record of records()) yield csvLine(record, true, delimiter, lineEnding);
  }
  await pipeline(lines, createWriteStream(foldPath));
  if (lastLine > 0) await rename(foldPath, outputPath);
  else await rm(foldPath, { force: true });
  await rm(partialPath, { force: true });
}
