import type { Done, Pending } from "../apply/items.js";
import type { CsvDelimiter } from "../output/csv-line.js";
import type { SourceRow } from "../types.js";
import { LaterRowsOfOrder, type OrderKey } from "./carry-over.js";
import {
  DONE_BEFORE,
  outcomeFromRecord,
  PreviousResultsCursor,
  readPreviousResults,
  sameInputCells,
} from "./previous-results.js";

/**
 * The --resume stage: a row the earlier results file shows as done, with the same input cells, is
 * carried over (its record written back as it was); every other row goes on to be done again, and
 * so does every later row of an order one of whose rows is redone, so that the order's rows run
 * again in file order and the last row wins (README "Resume and the failed-rows file").
 */
export class SkipDone {
  readonly #previous: PreviousResultsCursor;
  readonly #redone = new LaterRowsOfOrder();
  readonly #width: number;
  readonly #orderKeyOf: (values: SourceRow["values"]) => OrderKey | undefined;

  constructor(
    resultsPath: string,
    inputHeader: readonly string[],
    orderIdColumn: number,
    orderKeyOf: (values: SourceRow["values"]) => OrderKey | undefined,
    /** The results are written in the input's dialect. */
    delimiter: CsvDelimiter,
  ) {
    this.#previous = new PreviousResultsCursor(
      readPreviousResults(resultsPath, inputHeader, orderIdColumn, delimiter),
    );
    this.#width = inputHeader.length;
    this.#orderKeyOf = orderKeyOf;
  }

  async *stage(rows: AsyncIterable<SourceRow>): AsyncGenerator<Done | Pending> {
    const previous = this.#previous;
    const redone = this.#redone;
    const width = this.#width;
    for await (const source of rows) {
      const earlier = await previous.find(source.line);
      // Done before, and the same row: a row edited since (a fixed value) is redone.
      let carry =
        earlier !== undefined &&
        DONE_BEFORE.has(earlier.result) &&
        sameInputCells(earlier.record, source.cells, width);
      // Past the earlier file's end no row is carried over: the orders need not be remembered.
      if (previous.exhausted) redone.clear();
      else if (
        (!carry || redone.tracking) &&
        redone.next(this.#orderKeyOf(source.values), !carry)
      ) {
        carry = false;
      }
      if (earlier && carry) {
        yield {
          source,
          outcome: outcomeFromRecord(source, earlier, width),
          record: earlier.record,
        };
      } else yield source;
    }
  }

  close(): Promise<void> {
    return this.#previous.close();
  }
}
