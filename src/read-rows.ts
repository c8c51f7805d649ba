import { createReadStream, type ReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { CsvError, Parser } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import {
  DecodeFailure,
  ENCODING_LABELS,
  type EncodingChoice,
  findBom,
  StrictDecoder,
  SUPPORTED_ENCODINGS,
  type SupportedEncoding,
  sniffEncoding,
  Utf8Validator,
} from "./decode.js";
import { InputFileError, InternalError, UsageError } from "./errors.js";
import { resolveHeader, scoreHeader } from "./header.js";
import { RecordScanner, ScanError, type ScanProblem } from "./scan-records.js";
import type { ColumnName, SourceRow } from "./types.js";

export type { SupportedEncoding } from "./decode.js";

export type Delimiter = "," | ";" | "\t";

export interface ReadOptions {
  /** Decode the file with this encoding instead of detecting it (--encoding). */
  readonly encoding?: SupportedEncoding | undefined;
  /** Split fields on this character instead of detecting it from the header (--delimiter). */
  readonly delimiter?: Delimiter | undefined;
  /**
   * Source header name → canonical column name (--map), applied before the header checks.
   * Source names match trimmed and case-insensitively.
   */
  readonly columnMap?: Readonly<Record<string, string>> | undefined;
  /** Keep unknown columns (copied to the results untouched) instead of refusing the file (--allow-extra-columns). */
  readonly allowExtraColumns?: boolean | undefined;
  /**
   * Largest record accepted, in bytes of its text (as stored for UTF-8 and Windows-1252, as UTF-8
   * for UTF-16); a larger one rejects the file. It bounds memory: a record is held whole.
   * @default 16777216 (16 MiB)
   */
  readonly maxRecordBytes?: number | undefined;
}

export interface InputInfo {
  readonly file: string;
  readonly encoding: SupportedEncoding;
  readonly encodingSource: "bom" | "detected" | "fallback" | "forced";
  readonly bom: boolean;
  readonly delimiter: string;
  /** Header names as written in the file (for the results file header). */
  readonly headerCells: readonly string[];
  /** Canonical name per input column; undefined = extra column (only with allowExtraColumns). */
  readonly columns: readonly (ColumnName | undefined)[];
  /** Data records that readRows will yield. */
  readonly rowCount: number;
  readonly warnings: readonly string[];
}

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Delimiter candidates, in the order a tie is settled. */
const DELIMITERS: readonly Delimiter[] = [",", ";", "\t"];

/** CRLF first so it is one line break, then LF and CR alone: mixed endings in one file all work. */
const RECORD_DELIMITERS = ["\r\n", "\n", "\r"];

const BOM_LENGTH: Readonly<Record<SupportedEncoding, number>> = {
  "utf-8": 3,
  "utf-16le": 2,
  "utf-16be": 2,
  "windows-1252": 0,
};

/** Read size: big chunks keep the per-chunk overhead of the scan and the parser low. */
const SCAN_CHUNK_BYTES = 1024 * 1024;
const PARSE_CHUNK_BYTES = 256 * 1024;
/** Enough of the file's start to see a byte order mark and sniff UTF-16. */
const HEAD_BYTES = 64;

interface Settings {
  readonly encoding: SupportedEncoding | undefined;
  readonly delimiter: Delimiter | undefined;
  readonly columnMap: Readonly<Record<string, string>> | undefined;
  readonly allowExtraColumns: boolean;
  readonly maxRecordBytes: number;
}

function settingsFrom(options: ReadOptions): Settings {
  const { encoding, delimiter, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES } = options;
  if (encoding !== undefined && !SUPPORTED_ENCODINGS.includes(encoding)) {
    throw new UsageError(
      `Expected \`encoding\` to be one of ${SUPPORTED_ENCODINGS.join(", ")}, got "${String(encoding)}"`,
    );
  }
  if (delimiter !== undefined && !DELIMITERS.includes(delimiter)) {
    throw new UsageError(
      `Expected \`delimiter\` to be ",", ";" or a tab, got ${JSON.stringify(delimiter)}`,
    );
  }
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new UsageError(
      `Expected \`maxRecordBytes\` to be a positive integer, got ${String(maxRecordBytes)}`,
    );
  }
  return {
    encoding,
    delimiter,
    columnMap: options.columnMap,
    allowExtraColumns: options.allowExtraColumns === true,
    maxRecordBytes,
  };
}

/** What inspectInput saw of the file, so readRows can tell it was not replaced in between. */
interface Fingerprint {
  readonly size: number;
  readonly mtimeMs: number;
}

const fingerprints = new WeakMap<InputInfo, Fingerprint>();

/** An error from the file system (ENOENT, EACCES, EISDIR, EIO, …) as opposed to one of ours. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    typeof (error as NodeJS.ErrnoException).syscall === "string"
  );
}

function unreadable(file: string, error: NodeJS.ErrnoException): InputFileError {
  const reasons: Record<string, string> = {
    ENOENT: "the file does not exist",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a directory",
  };
  const reason = reasons[error.code ?? ""] ?? `${error.code ?? "error"} while reading`;
  return new InputFileError(
    "E_FILE_UNREADABLE",
    `cannot read the input file: ${reason} (expected a readable CSV file)`,
    { file, cause: error },
  );
}

async function statInput(file: string): Promise<Fingerprint> {
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(file);
  } catch (error) {
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  }
  if (stats.isDirectory()) {
    throw new InputFileError(
      "E_FILE_UNREADABLE",
      "cannot read the input file: it is a directory (expected a CSV file)",
      { file },
    );
  }
  return { size: stats.size, mtimeMs: stats.mtimeMs };
}

async function readHead(file: string): Promise<Buffer> {
  try {
    const handle = await open(file, "r");
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  }
}

function chooseEncoding(
  file: string,
  head: Uint8Array,
  forced: SupportedEncoding | undefined,
): EncodingChoice {
  const bom = findBom(head);
  if (forced !== undefined) {
    if (bom !== undefined && bom.encoding !== forced) {
      throw new InputFileError(
        "E_ENCODING",
        `the file starts with a ${ENCODING_LABELS[bom.encoding]} byte order mark but the encoding was set to ${ENCODING_LABELS[forced]} (expected a file in ${ENCODING_LABELS[forced]})`,
        { file, line: 1 },
      );
    }
    return { encoding: forced, source: "forced", bomLength: bom?.length ?? 0 };
  }
  if (bom !== undefined) return { encoding: bom.encoding, source: "bom", bomLength: bom.length };
  return { encoding: sniffEncoding(head), source: "detected", bomLength: 0 };
}

/** Detected UTF-8 turned out not to be: inspectInput starts again with Windows-1252. */
class NotUtf8 extends Error {
  readonly line: number;

  constructor(line: number) {
    super(`not UTF-8 (line ${line})`);
    this.line = line;
  }
}

function decodeError(
  file: string,
  choice: EncodingChoice,
  failure: DecodeFailure,
  line: number,
): Error {
  if (choice.encoding === "utf-8" && choice.source === "detected") return new NotUtf8(line);
  const why =
    choice.source === "forced"
      ? "the encoding was set to it"
      : choice.source === "bom"
        ? "the byte order mark says so"
        : "the file looks like it";
  const label = ENCODING_LABELS[choice.encoding];
  return new InputFileError(
    "E_ENCODING",
    `${failure.bytesHex} (byte ${choice.bomLength + failure.byteOffset} of the file) is not valid ${label} (expected ${label} text, as ${why})`,
    { file, line, cause: failure },
  );
}

/** Line breaks (CRLF, LF or CR each count one) in `text`. */
function countLineBreaks(text: string): number {
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d) {
      breaks++;
      if (text.charCodeAt(i + 1) === 0x0a) i++;
    } else if (code === 0x0a) breaks++;
  }
  return breaks;
}

/**
 * End (exclusive) of the record of `text` that starts at `from`, read with `delimiter` and the
 * quote rules of scan-records.ts; -1 when `text` ends first and more may follow.
 */
function recordEnd(text: string, from: number, delimiter: string, eof: boolean): number {
  let inQuotes = false;
  let fieldHasContent = false;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (inQuotes) {
      if (char === '"') {
        if (i + 1 >= text.length && !eof) return -1;
        const next = text[i + 1];
        if (next === '"') i++;
        else {
          inQuotes = false;
          if (next === delimiter || next === "\r" || next === "\n" || next === undefined) continue;
        }
      }
      fieldHasContent = true;
    } else if (char === delimiter) fieldHasContent = false;
    else if (char === '"') {
      if (!fieldHasContent) inQuotes = true;
    } else if (char === "\r" || char === "\n") return i;
    else fieldHasContent = true;
  }
  return eof ? text.length : -1;
}

interface HeaderText {
  /** File line where the header record starts (blank lines before it are skipped). */
  readonly line: number;
  /** The header record's text as each candidate delimiter reads it. */
  readonly texts: ReadonlyMap<Delimiter, string>;
}

/** The header record's text and line, read with the file's encoding; undefined for no record. */
async function readHeaderText(
  file: string,
  choice: EncodingChoice,
  candidates: readonly Delimiter[],
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<HeaderText | undefined> {
  const decoder = new StrictDecoder(choice.encoding);
  const stream = createReadStream(file, { start: choice.bomLength, highWaterMark: 64 * 1024 });
  const texts = new Map<Delimiter, string>();
  let text = "";
  let start = 0;
  let scannedLength = 0;
  try {
    const chunks = stream[Symbol.asyncIterator]();
    for (;;) {
      signal?.throwIfAborted();
      const next = await chunks.next();
      const eof = next.done === true;
      try {
        text += eof ? decoder.end() : decoder.write(next.value as Buffer);
      } catch (error) {
        if (!(error instanceof DecodeFailure)) throw error;
        const line = 1 + countLineBreaks(text + (error.valid as string));
        throw decodeError(file, choice, error, line);
      }
      while (text[start] === "\r" || text[start] === "\n") start++;
      // Rescan only when the text has doubled, so a huge header costs linear time.
      if (eof || text.length >= 2 * scannedLength) {
        scannedLength = text.length;
        for (const delimiter of candidates) {
          if (texts.has(delimiter)) continue;
          const end = recordEnd(text, start, delimiter, eof);
          if (end >= 0) texts.set(delimiter, text.slice(start, end));
        }
      }
      const line = 1 + countLineBreaks(text.slice(0, start));
      if (texts.size === candidates.length || eof) {
        return start >= text.length ? undefined : { line, texts };
      }
      if (text.length - start > settings.maxRecordBytes) {
        throw recordTooLarge(file, line, settings.maxRecordBytes);
      }
    }
  } catch (error) {
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  } finally {
    stream.destroy();
  }
}

function recordTooLarge(file: string, line: number, maxRecordBytes: number): InputFileError {
  return new InputFileError(
    "E_RECORD_TOO_LARGE",
    `the record starting here is larger than ${maxRecordBytes} bytes (expected records of at most ${maxRecordBytes} bytes; the limit can be raised)`,
    { file, line },
  );
}

const PARSE_OPTIONS = {
  columns: false,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  record_delimiter: RECORD_DELIMITERS,
  quote: '"',
  escape: '"',
  bom: false,
} as const;

function parseHeaderCells(text: string, delimiter: Delimiter): string[] | undefined {
  try {
    const records = parseSync(text, { ...PARSE_OPTIONS, delimiter }) as string[][];
    return records[0];
  } catch {
    return undefined;
  }
}

/** Delimiter and header cells: forced, or the candidate that resolves the header (issue #5). */
function chooseDelimiter(
  file: string,
  header: HeaderText,
  settings: Settings,
): { delimiter: Delimiter; cells: string[] } {
  const usable: { delimiter: Delimiter; cells: string[]; rank: number[]; occurs: boolean }[] = [];
  for (const [delimiter, text] of header.texts) {
    const cells = parseHeaderCells(text, delimiter);
    if (cells === undefined) continue;
    const { known, hasOrderId } = scoreHeader(cells, settings.columnMap);
    // Ranked by: order_id found, then most known columns, then most fields.
    const rank = [hasOrderId ? 1 : 0, known, cells.length];
    usable.push({ delimiter, cells, rank, occurs: text.includes(delimiter) });
  }
  if (usable.length === 0) {
    throw new InputFileError(
      "E_CSV_SYNTAX",
      "a quote in the header is never closed (expected column names, quoted with matching quotes if at all)",
      { file, line: header.line },
    );
  }
  const better = (a: number[], b: number[]): boolean => {
    const i = a.findIndex((value, k) => value !== b[k]);
    return i >= 0 && (a[i] as number) > (b[i] as number);
  };
  let best = usable[0] as (typeof usable)[number];
  for (const candidate of usable.slice(1)) if (better(candidate.rank, best.rank)) best = candidate;
  if (best.rank[1] === 0 && settings.delimiter === undefined) {
    // No candidate finds a known column: only a header holding a single candidate says which.
    const present = usable.filter((candidate) => candidate.occurs);
    if (present.length > 1) {
      throw new InputFileError(
        "E_DELIMITER",
        `cannot tell the delimiter: no known column name appears in the header whether split on ",", ";" or a tab (expected a header naming order_id; the delimiter can be set explicitly)`,
        { file, line: header.line },
      );
    }
    best = present[0] ?? best;
  }
  return { delimiter: best.delimiter, cells: best.cells };
}

/** Turns raw file chunks into the bytes the scan reads (ASCII-compatible). */
interface ScanInput {
  write(chunk: Buffer): Uint8Array;
  end(): Uint8Array;
}

function scanInputFor(encoding: SupportedEncoding): ScanInput {
  if (encoding === "utf-8") return new Utf8Validator();
  // Windows-1252 is one byte per character and ASCII-compatible, so the bytes scan as they are.
  if (encoding === "windows-1252") return { write: (chunk) => chunk, end: () => Buffer.alloc(0) };
  const decoder = new StrictDecoder(encoding);
  return {
    write: (chunk) => Buffer.from(decoder.write(chunk), "utf8"),
    end: () => Buffer.from(decoder.end(), "utf8"),
  };
}

function scanProblemError(
  file: string,
  problem: ScanProblem,
  maxRecordBytes: number,
): InputFileError {
  switch (problem.kind) {
    case "unclosed-quote":
      return new InputFileError(
        "E_CSV_SYNTAX",
        `the quote opening field ${problem.field} is never closed (expected a closing quote before the end of the file; write "" for a quote inside a quoted value)`,
        { file, line: problem.line, column: String(problem.field) },
      );
    case "runaway-quote":
      return new InputFileError(
        "E_CSV_SYNTAX",
        `the quote opening field ${problem.field} is not closed properly: on line ${problem.closeLine} a quote is followed by ${JSON.stringify(String.fromCharCode(problem.next))} (expected "" for a quote inside a quoted value, and a delimiter or line end after the closing quote)`,
        { file, line: problem.line, column: String(problem.field) },
      );
    case "record-too-large":
      return recordTooLarge(file, problem.line, maxRecordBytes);
  }
}

interface ScanSummary {
  rowCount: number;
  emptyRows: number;
  firstEmptyLine: number;
  ragged: number;
  firstRaggedLine: number;
}

/** Pass 1 over the whole file: decoding and structure of every record, and the counts. */
async function scanFile(
  file: string,
  choice: EncodingChoice,
  delimiter: Delimiter,
  header: HeaderText,
  fieldCount: number,
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<ScanSummary> {
  const summary: ScanSummary = {
    rowCount: 0,
    emptyRows: 0,
    firstEmptyLine: 0,
    ragged: 0,
    firstRaggedLine: 0,
  };
  let headerSeen = false;
  const scanner = new RecordScanner(delimiter, settings.maxRecordBytes, (line, fields, empty) => {
    if (!headerSeen) {
      headerSeen = true;
      if (line !== header.line || fields !== fieldCount) {
        throw new InternalError(
          `${file}: header read as ${fieldCount} fields on line ${header.line}, scanned as ${fields} on line ${line}`,
        );
      }
    } else if (empty) {
      if (summary.emptyRows++ === 0) summary.firstEmptyLine = line;
    } else {
      summary.rowCount++;
      if (fields !== fieldCount && summary.ragged++ === 0) summary.firstRaggedLine = line;
    }
  });
  const input = scanInputFor(choice.encoding);
  const stream = createReadStream(file, {
    start: choice.bomLength,
    highWaterMark: SCAN_CHUNK_BYTES,
  });
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      scanner.write(input.write(chunk as Buffer));
    }
    scanner.write(input.end());
    scanner.end();
  } catch (error) {
    if (error instanceof DecodeFailure) {
      // Scan what decoded cleanly so the scanner's line is the bad byte's line.
      const valid = error.valid;
      try {
        scanner.write(typeof valid === "string" ? Buffer.from(valid, "utf8") : valid);
      } catch (scanError) {
        if (!(scanError instanceof ScanError)) throw scanError;
      }
      throw decodeError(file, choice, error, scanner.line);
    }
    if (error instanceof ScanError)
      throw scanProblemError(file, error.problem, settings.maxRecordBytes);
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  } finally {
    stream.destroy();
  }
  return summary;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

async function inspectWith(
  file: string,
  fingerprint: Fingerprint,
  choice: EncodingChoice,
  settings: Settings,
  warnings: string[],
  signal: AbortSignal | undefined,
): Promise<InputInfo> {
  const candidates = settings.delimiter === undefined ? DELIMITERS : [settings.delimiter];
  const header = await readHeaderText(file, choice, candidates, settings, signal);
  if (header === undefined) {
    throw new InputFileError(
      "E_FILE_EMPTY",
      "the file has no header (expected a first line naming the columns, e.g. order_id,status_id)",
      { file },
    );
  }
  const { delimiter, cells } = chooseDelimiter(file, header, settings);
  const columns = resolveHeader(cells, settings, file, header.line);
  const summary = await scanFile(file, choice, delimiter, header, cells.length, settings, signal);

  if (choice.source === "detected" && choice.encoding !== "utf-8") {
    warnings.push(
      `${file} has no byte order mark; read as ${ENCODING_LABELS[choice.encoding]} (detected)`,
    );
  }
  if (summary.emptyRows > 0) {
    warnings.push(
      `${file}: skipped ${plural(summary.emptyRows, "row", "rows")} with every field empty (first at line ${summary.firstEmptyLine})`,
    );
  }
  if (summary.ragged > 0) {
    warnings.push(
      `${file}: ${plural(summary.ragged, "row has", "rows have")} a different number of fields than the header's ${cells.length} (first at line ${summary.firstRaggedLine}); they are reported as invalid`,
    );
  }
  for (const source of Object.keys(settings.columnMap ?? {})) {
    const key = source.trim().toLowerCase();
    if (!cells.some((cell) => cell.trim().toLowerCase() === key)) {
      warnings.push(`${file}: the column map names "${source}", which is not in the header`);
    }
  }
  const info: InputInfo = Object.freeze({
    file,
    encoding: choice.encoding,
    encodingSource: choice.source,
    bom: choice.bomLength > 0,
    delimiter,
    headerCells: Object.freeze(cells),
    columns: Object.freeze(columns),
    rowCount: summary.rowCount,
    warnings: Object.freeze(warnings),
  });
  fingerprints.set(info, fingerprint);
  return info;
}

/**
 * First pass over the whole input file, before any request: detects the encoding and the
 * delimiter, resolves the header, checks the structure of every record and counts the data rows.
 * Throws InputFileError (file, line, stable code) for a file that must not be used at all.
 */
export async function inspectInput(
  file: string,
  options: ReadOptions = {},
  signal?: AbortSignal,
): Promise<InputInfo> {
  const settings = settingsFrom(options);
  signal?.throwIfAborted();
  const fingerprint = await statInput(file);
  const choice = chooseEncoding(file, await readHead(file), settings.encoding);
  try {
    return await inspectWith(file, fingerprint, choice, settings, [], signal);
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    const warning = `${file} is not valid UTF-8 (first bad byte at line ${error.line}); decoded as Windows-1252`;
    const fallback: EncodingChoice = { encoding: "windows-1252", source: "fallback", bomLength: 0 };
    return await inspectWith(file, fingerprint, fallback, settings, [warning], signal);
  }
}

/** A csv-parse record with the parser's counters at the moment it was emitted. */
interface ParsedRecord {
  readonly cells: string[];
  /** csv-parse `info.lines`: only its difference between records is used (see readRows). */
  readonly lines: number;
  readonly emptyLines: number;
}

/**
 * csv-parse with its line counters captured per record. `info: true` would do it too, but copies
 * the whole info object twice per record: +65% parse time on 1,000,000 rows (measured).
 */
class CountingParser extends Parser {
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const record: ParsedRecord = {
      cells: chunk as string[],
      lines: this.info.lines,
      emptyLines: this.info.empty_lines,
    };
    return super.push(record);
  }
}

/** Turns raw file chunks into what csv-parse reads: validated UTF-8 bytes, or decoded text. */
function parserInputFor(encoding: SupportedEncoding): {
  write(chunk: Buffer): Buffer | string;
  end(): Buffer | string;
} {
  // UTF-8 bytes go to csv-parse as they are (after validation): no decode and re-encode.
  return encoding === "utf-8" ? new Utf8Validator() : new StrictDecoder(encoding);
}

function fileChanged(file: string, what: string, line?: number): InputFileError {
  return new InputFileError(
    "E_FILE_CHANGED",
    `the file changed after it was checked: ${what} (expected it unchanged while the run reads it)`,
    line === undefined ? { file } : { file, line },
  );
}

function sameCells(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((cell, i) => cell === b[i]);
}

/** Line breaks inside a record's cells (only quoted fields can hold them). */
function lineBreaksIn(cells: readonly string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    if (cell.includes("\n") || cell.includes("\r")) breaks += countLineBreaks(cell);
  }
  return breaks;
}

/**
 * Second pass: yields the data rows of a file inspectInput accepted, in file order, streaming.
 * `index` is 1-based among data rows; `line` is the file line where the record starts.
 */
export async function* readRows(
  info: InputInfo,
  options: ReadOptions = {},
  signal?: AbortSignal,
): AsyncGenerator<SourceRow> {
  const settings = settingsFrom(options);
  signal?.throwIfAborted();
  const { file } = info;
  const expected = fingerprints.get(info);
  if (expected !== undefined) {
    const now = await statInput(file);
    if (now.size !== expected.size || now.mtimeMs !== expected.mtimeMs) {
      throw fileChanged(file, "its size or modification time differs");
    }
  }
  const fieldCount = info.headerCells.length;
  const knownIndexes: number[] = [];
  const knownNames: ColumnName[] = [];
  info.columns.forEach((column, index) => {
    if (column !== undefined) {
      knownIndexes.push(index);
      knownNames.push(column);
    }
  });
  const knownCount = knownIndexes.length;

  const input = parserInputFor(info.encoding);
  const source: ReadStream = createReadStream(file, {
    start: info.bom ? BOM_LENGTH[info.encoding] : 0,
    highWaterMark: PARSE_CHUNK_BYTES,
  });
  const parser = new CountingParser({
    ...PARSE_OPTIONS,
    delimiter: info.delimiter,
    // Backstop only: inspectInput enforces maxRecordBytes. csv-parse counts re-encoded UTF-8,
    // up to three bytes per character of a decoded Windows-1252 or UTF-16 file.
    max_record_size: settings.maxRecordBytes * 3 + 1024,
  });
  pipeline(
    source,
    async function* decode(chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        const data = input.write(chunk);
        if (data.length > 0) yield data;
      }
      const rest = input.end();
      if (rest.length > 0) yield rest;
    },
    parser,
    () => {
      // Errors surface through the iteration below.
    },
  );

  // Line arithmetic: a record starts after the previous one's lines and the blank lines skipped
  // since. csv-parse's own `info.lines` counts a CRLF inside a quoted field twice, so it only
  // serves to spot records that span lines; those are counted exactly from their cells.
  let nextLine = 1;
  let lastLines = 0;
  let lastEmptyLines = 0;
  let headerSeen = false;
  let index = 0;
  try {
    for (;;) {
      // Drain what the parser holds synchronously, waiting only when it is empty: one await per
      // chunk instead of one per record (the async iterator) keeps the second pass close to bare
      // csv-parse speed.
      const item = parser.read() as ParsedRecord | null;
      if (item === null) {
        if (parser.readableEnded) break;
        await readableOrDone(parser);
        if (parser.errored) throw parser.errored;
        continue;
      }
      const { cells, lines, emptyLines } = item;
      const skipped = emptyLines - lastEmptyLines;
      const line = nextLine + skipped;
      const spansLines = lines - lastLines !== 1 + skipped;
      nextLine = line + 1 + (spansLines ? lineBreaksIn(cells) : 0);
      lastLines = lines;
      lastEmptyLines = emptyLines;
      if (!headerSeen) {
        headerSeen = true;
        if (!sameCells(cells, info.headerCells))
          throw fileChanged(file, "the header differs", line);
        continue;
      }
      if (cells.every((cell) => cell === "")) continue;
      signal?.throwIfAborted();
      index++;
      const values: Partial<Record<ColumnName, string>> = {};
      for (let k = 0; k < knownCount; k++) {
        const at = knownIndexes[k] as number;
        if (at < cells.length) values[knownNames[k] as ColumnName] = cells[at] as string;
      }
      yield cells.length === fieldCount
        ? { index, line, cells, values }
        : {
            index,
            line,
            cells,
            values,
            structureProblem: {
              code: "E_FIELD_COUNT",
              message: `expected ${fieldCount} fields, found ${cells.length}`,
            },
          };
    }
  } catch (error) {
    throw readError(file, error, nextLine + (parser.info.empty_lines - lastEmptyLines));
  } finally {
    parser.destroy();
    source.destroy();
  }
  if (index !== info.rowCount) {
    throw fileChanged(file, `it now has ${index} data rows, not ${info.rowCount}`);
  }
}

/** Resolves when `stream` may have data to read, or has ended, failed or closed. */
function readableOrDone(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("readable", done);
      stream.off("end", done);
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("readable", done);
    stream.on("end", done);
    stream.on("error", done);
    stream.on("close", done);
  });
}

function readError(file: string, error: unknown, line: number): unknown {
  if (error instanceof InputFileError) return error;
  if (error instanceof DecodeFailure) {
    return new InputFileError(
      "E_ENCODING",
      `${error.bytesHex} is not valid text in the file's encoding (expected the file unchanged since it was checked)`,
      { file, line, cause: error },
    );
  }
  if (error instanceof CsvError) {
    const tooLarge = error.code === "CSV_MAX_RECORD_SIZE";
    return new InputFileError(
      tooLarge ? "E_RECORD_TOO_LARGE" : "E_CSV_SYNTAX",
      `${error.message} (expected well-formed CSV, as checked before the run)`,
      { file, line, cause: error },
    );
  }
  if (isSystemError(error)) return unreadable(file, error);
  return error;
}
