/**
 * First-pass structure scan: finds record boundaries, start lines and field counts without building
 * cell strings, about ten times faster than csv-parse (issue #5: `validate` must keep at least half
 * the throughput of a bare csv-parse → csv-stringify pipeline, and the file is parsed twice).
 *
 * It follows csv-parse@7's rules for the options readRows uses (`relax_quotes`, `skip_empty_lines`,
 * record delimiters CRLF, LF and CR, `"` as quote and escape), so both passes agree on every record;
 * test/integration/read-rows.test.ts checks that against csv-parse on generated files.
 *
 * Input is bytes in an ASCII-compatible encoding (UTF-8, or Windows-1252 as stored): the delimiter,
 * the quote, CR and LF are single ASCII bytes there and never part of a multi-byte character.
 */

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const ESCAPED_QUOTE = 0;
const CLOSE = 1;
const RELAXED_CLOSE = 2;

/** What the byte after a quote inside a quoted field makes of that quote. */
function afterQuote(next: number, delimiter: number): number {
  if (next === QUOTE) return ESCAPED_QUOTE;
  if (next === delimiter || next === CR || next === LF) return CLOSE;
  return RELAXED_CLOSE;
}

function runaway(quoteLine: number, delimiters: number, line: number, next: number): ScanError {
  return new ScanError({
    kind: "runaway-quote",
    line: quoteLine,
    field: delimiters + 1,
    closeLine: line,
    next,
  });
}

/**
 * Called for each record, the header included: `line` is the 1-based file line where it starts,
 * `empty` says every field is the empty string (Excel's trailing `,,,,` rows). Plain arguments
 * rather than an object: this runs once per row.
 */
export type OnRecord = (line: number, fieldCount: number, empty: boolean) => void;

export type ScanProblem =
  | {
      /** A quote opened a field and the file ended before it closed. */
      readonly kind: "unclosed-quote";
      readonly line: number;
      readonly field: number;
    }
  | {
      /**
       * A quoted field ran over a line break and its closing quote is followed by text. csv-parse's
       * `relax_quotes` would read on and swallow the following records into one field, so the
       * file is refused rather than half-applied.
       */
      readonly kind: "runaway-quote";
      readonly line: number;
      readonly field: number;
      readonly closeLine: number;
      readonly next: number;
    }
  | {
      readonly kind: "record-too-large";
      readonly line: number;
      readonly bytes: number;
    };

/** Thrown by RecordScanner; `problem` says what and where. */
export class ScanError extends Error {
  readonly problem: ScanProblem;

  constructor(problem: ScanProblem) {
    super(`${problem.kind} at line ${problem.line}`);
    this.name = "ScanError";
    this.problem = problem;
  }
}

/**
 * Streaming CSV structure scanner. Feed it with `write` and finish with `end`; it calls `onRecord`
 * for each record (the header included) and throws ScanError on a structural problem.
 */
export class RecordScanner {
  readonly #delimiter: number;
  readonly #maxRecordBytes: number;
  readonly #onRecord: OnRecord;

  /** Current line (1-based) at the scan position. */
  #line = 1;
  #recordLine = 1;
  /** Delimiters seen in the current record. */
  #delimiters = 0;
  #recordHasContent = false;
  #fieldHasContent = false;
  #fieldQuoted = false;
  #inQuotes = false;
  #quoteLine = 1;
  /** A quote inside a quoted field was the last byte of the previous write. */
  #pendingQuote = false;
  /** A CR was the last byte of the previous write: an LF starting the next one belongs to it. */
  #pendingCr = false;
  /** Bytes of the current record in earlier writes. */
  #recordBytesBefore = 0;

  constructor(delimiter: string, maxRecordBytes: number, onRecord: OnRecord) {
    this.#delimiter = delimiter.charCodeAt(0);
    this.#maxRecordBytes = maxRecordBytes;
    this.#onRecord = onRecord;
  }

  /** The file line at the current position (after everything written so far). */
  get line(): number {
    return this.#line;
  }

  /** Line where the record being read (or the next one) starts. */
  get recordLine(): number {
    return this.#recordLine;
  }

  /**
   * 1-based field of the current record at the scan position: where the next byte written lands
   * (read-rows.ts uses it to name the column of a byte that is not valid UTF-8).
   */
  get field(): number {
    return this.#delimiters + 1;
  }

  write(data: Uint8Array): void {
    const length = data.length;
    if (length === 0) return;
    const delimiter = this.#delimiter;
    // State lives in locals inside the per-byte loop and is stored back before leaving it.
    let line = this.#line;
    let recordLine = this.#recordLine;
    let delimiters = this.#delimiters;
    let recordHasContent = this.#recordHasContent;
    let fieldHasContent = this.#fieldHasContent;
    let fieldQuoted = this.#fieldQuoted;
    let inQuotes = this.#inQuotes;
    let quoteLine = this.#quoteLine;
    let recordBytesBefore = this.#recordBytesBefore;
    let i = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (data[0] === LF) i = 1;
    }
    let recordStart = i;
    if (this.#pendingQuote) {
      this.#pendingQuote = false;
      const next = data[i] as number;
      const after = afterQuote(next, delimiter);
      if (after === ESCAPED_QUOTE) {
        fieldHasContent = true;
        i++;
      } else {
        inQuotes = false;
        if (after === RELAXED_CLOSE) {
          fieldHasContent = true;
          if (quoteLine !== line) throw runaway(quoteLine, delimiters, line, next);
        }
      }
    }
    for (; i < length; i++) {
      const byte = data[i] as number;
      if (inQuotes) {
        if (byte === QUOTE) {
          if (i + 1 >= length) {
            this.#pendingQuote = true;
            continue;
          }
          const next = data[i + 1] as number;
          const after = afterQuote(next, delimiter);
          if (after === ESCAPED_QUOTE) {
            fieldHasContent = true;
            i++;
          } else {
            inQuotes = false;
            if (after === RELAXED_CLOSE) {
              // csv-parse (relax_quotes) reads on as if unquoted: harmless on one line (`"Fragile"
              // box` is read as written); over a line break it swallows the records that follow.
              fieldHasContent = true;
              if (quoteLine !== line) throw runaway(quoteLine, delimiters, line, next);
            }
          }
          continue;
        }
        if (byte === CR) {
          line++;
          if (i + 1 < length) {
            if (data[i + 1] === LF) i++;
          } else this.#pendingCr = true;
        } else if (byte === LF) line++;
        fieldHasContent = true;
        continue;
      }
      if (byte === delimiter) {
        delimiters++;
        if (fieldHasContent) recordHasContent = true;
        fieldHasContent = false;
        fieldQuoted = false;
        continue;
      }
      if (byte === QUOTE) {
        // A quote opens a field only at its start; elsewhere it is text (relax_quotes).
        if (!fieldHasContent) {
          inQuotes = true;
          fieldQuoted = true;
          quoteLine = line;
        }
        continue;
      }
      if (byte === CR || byte === LF) {
        const bytes = recordBytesBefore + (i - recordStart);
        if (bytes > this.#maxRecordBytes) {
          throw new ScanError({ kind: "record-too-large", line: recordLine, bytes });
        }
        // A line with nothing on it is skipped (skip_empty_lines), but `""` is a record.
        if (delimiters !== 0 || fieldHasContent || fieldQuoted) {
          this.#onRecord(recordLine, delimiters + 1, !(recordHasContent || fieldHasContent));
        }
        delimiters = 0;
        recordHasContent = false;
        fieldHasContent = false;
        fieldQuoted = false;
        line++;
        recordLine = line;
        if (byte === CR) {
          if (i + 1 < length) {
            if (data[i + 1] === LF) i++;
          } else this.#pendingCr = true;
        }
        recordBytesBefore = 0;
        recordStart = i + 1;
        continue;
      }
      fieldHasContent = true;
    }
    recordBytesBefore += Math.max(0, length - recordStart);
    this.#line = line;
    this.#recordLine = recordLine;
    this.#delimiters = delimiters;
    this.#recordHasContent = recordHasContent;
    this.#fieldHasContent = fieldHasContent;
    this.#fieldQuoted = fieldQuoted;
    this.#inQuotes = inQuotes;
    this.#quoteLine = quoteLine;
    this.#recordBytesBefore = recordBytesBefore;
    if (recordBytesBefore > this.#maxRecordBytes) {
      throw new ScanError({ kind: "record-too-large", line: recordLine, bytes: recordBytesBefore });
    }
  }

  end(): void {
    if (this.#pendingQuote) {
      // A quote right before the end of the file closes its field.
      this.#pendingQuote = false;
      this.#inQuotes = false;
    }
    if (this.#inQuotes) {
      throw new ScanError({
        kind: "unclosed-quote",
        line: this.#quoteLine,
        field: this.#delimiters + 1,
      });
    }
    if (this.#delimiters !== 0 || this.#fieldHasContent || this.#fieldQuoted) {
      this.#onRecord(
        this.#recordLine,
        this.#delimiters + 1,
        !(this.#recordHasContent || this.#fieldHasContent),
      );
    }
    this.#delimiters = 0;
    this.#recordHasContent = false;
    this.#fieldHasContent = false;
    this.#fieldQuoted = false;
  }
}
