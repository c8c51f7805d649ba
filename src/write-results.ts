import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { RESULT_COLUMNS } from "./columns.js";

// The results file is a contract (issue #2, #5): fixed header, one record per input row, UTF-8,
// formula-neutralised cells (csv-line.ts). This module names the files and reads an earlier one back.

/** `orders.results.csv` → `orders.results.failed.csv`. */
export function failedRowsPath(resultsPath: string): string {
  return resultsPath.toLowerCase().endsWith(".csv")
    ? `${resultsPath.slice(0, -4)}.failed.csv`
    : `${resultsPath}.failed.csv`;
}

/** `dir/orders.csv` → `dir/orders.results.csv`. */
export function defaultResultsPath(inputPath: string): string {
  return inputPath.toLowerCase().endsWith(".csv")
    ? `${inputPath.slice(0, -4)}.results.csv`
    : `${inputPath}.results.csv`;
}

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
 * are redone).
 */
export async function* readPreviousResults(
  path: string,
  inputHeader: readonly string[],
): AsyncGenerator<PreviousResult> {
  const width = inputHeader.length + RESULT_COLUMNS.length;
  const orderIdAt = inputHeader.findIndex((name) => name.trim().toLowerCase() === "order_id");
  const lineAt = inputHeader.length;
  const parser = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true }),
  );
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
        orderId: (record[orderIdAt] ?? "").trim(),
        result: record[lineAt + 1] ?? "",
        record,
      };
    }
  } catch {
    // A cut-short last record (unclosed quote at end of file): stop at the last complete one.
  } finally {
    parser.destroy();
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
