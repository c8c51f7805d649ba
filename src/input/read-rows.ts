import {
  createReadStream,
  createWriteStream,
  type FSWatcher,
  type ReadStream,
  rmSync,
  watch as watchFile,
} from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { CsvError, Parser } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { InputFileError, InternalError } from "../errors.js";
import { firstEvent } from "../events.js";
import type { ColumnName, RowProblem, SourceRow } from "../types.js";
import { headerNormalForm } from "./aliases.js";
import {
  DecodeFailure,
  ENCODING_LABELS,
  type EncodingChoice,
  findBom,
  LenientUtf8,
  StrictDecoder,
  type SupportedEncoding,
  sniffEncoding,
  type Utf8Problem,
  Utf8Validator,
} from "./decode.js";
import { type ColumnMap, resolveHeaderDetails, scoreHeader } from "./header.js";
import { RecordScanner, ScanError, type ScanProblem } from "./scan-records.js";

export type { SupportedEncoding } from "./decode.js";

export type Delimiter = "," | ";" | "\t" | "|";

export interface ReadOptions {
  /** Decode the file with this encoding instead of detecting it (--encoding). */
  readonly encoding?: SupportedEncoding | undefined;
  /** Split fields on this character instead of detecting it from the header (--delimiter). */
  readonly delimiter?: Delimiter | undefined;
  /**
   * Source header name → canonical column name (--map), applied before the header checks.
   * Source names match trimmed and case-insensitively.
   */
  readonly columnMap?: ColumnMap | undefined;
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
  readonly delimiter: Delimiter;
  /**
   * The line break ending the header record: CRLF for a header ending in CR (CRLF, or CR alone),
   * else LF. The results and failed-rows files are written with it (and `delimiter`), so they open
   * in the spreadsheet the input came from.
   */
  readonly lineEnding: "\r\n" | "\n";
  /** Header names as written in the file (for the results file header). */
  readonly headerCells: readonly string[];
  /**
   * Canonical name per input column; undefined = not sent: an extra column (allowExtraColumns), a
   * header this tool has no use for, or a nameless column at the end of the header.
   */
  readonly columns: readonly (ColumnName | undefined)[];
  /** Further columns an input column feeds (a column map of one source to several columns). */
  readonly sharedColumns?: readonly { readonly index: number; readonly column: ColumnName }[];
  /**
   * Header fields before the nameless ones at its end (Excel's `order_id,status_id,,`): a row
   * may stop after them; those columns are empty in every row.
   */
  readonly namedFieldCount?: number;
  /** Data records that readRows will yield. */
  readonly rowCount: number;
  readonly warnings: readonly string[];
}

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Delimiter candidates, in the order a tie is settled. */
const DELIMITERS: readonly Delimiter[] = [",", ";", "\t", "|"];

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
  readonly columnMap: ColumnMap | undefined;
  readonly allowExtraColumns: boolean;
  readonly maxRecordBytes: number;
}

function settingsFrom(options: ReadOptions): Settings {
  // The values were checked where the run's options were (options.ts checkRunOptions).
  const { encoding, delimiter, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES } = options;
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

/** Where readRows reads an InputInfo's bytes: the private copy when inspectInput was given one. */
const readPaths = new WeakMap<InputInfo, string>();

/** The first bytes that are not valid UTF-8 in a data record of a UTF-8 file, as pass 1 found them. */
interface InvalidUtf8 {
  /** File line of the bad bytes (the record may start on an earlier line). */
  readonly line: number;
  /** 1-based field of the record that holds them. */
  readonly field: number;
  /** Offset of the first bad byte from the start of the file (BOM included). */
  readonly offset: number;
  readonly bytesHex: string;
}

/** Per InputInfo: record start line → its first invalid UTF-8 bytes (only files that have some). */
const invalidUtf8Rows = new WeakMap<InputInfo, ReadonlyMap<number, InvalidUtf8>>();

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

function isDirectory(file: string): InputFileError {
  return new InputFileError(
    "E_FILE_UNREADABLE",
    "cannot read the input file: it is a directory (expected a CSV file)",
    { file },
  );
}

/** `path` is read; `file` is how messages name it. */
async function statInput(file: string, path: string = file): Promise<Fingerprint> {
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(path);
  } catch (error) {
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  }
  if (stats.isDirectory()) throw isDirectory(file);
  if (!stats.isFile()) {
    // Both passes read the file from its start: a pipe (or stdin, a FIFO, a device) would give
    // the second pass nothing, or other bytes than the first pass checked.
    throw new InputFileError(
      "E_FILE_NOT_REGULAR",
      "cannot read the input twice: it is a pipe, FIFO or device (expected a regular file; the command line and runBatch copy such an input first, see snapshotInput)",
      { file },
    );
  }
  return { size: stats.size, mtimeMs: stats.mtimeMs };
}

// ---- The private copy (snapshot) of the input ----

/**
 * The input as named on the command line for standard input. Read through /dev/stdin, so that
 * only cli.ts touches `process`.
 */
export const STDIN_INPUT = "-";

/** Paths that name standard input. */
const STDIN_PATHS: ReadonlySet<string> = new Set(["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

/** How often a run looks at the original, besides fs.watch's notices (not every file system sends them). */
const WATCH_INTERVAL_MS = 200;

/**
 * A private copy of the input that both passes read: what a run applies is exactly what its first
 * pass checked, whatever happens to the original meanwhile (an exporter overwriting it in place,
 * a pipe that can be read only once). See README "Reliability".
 */
export interface InputSnapshot {
  /** The input as the caller named it (messages and InputInfo.file). */
  readonly file: string;
  /** The copy: mode 0600 in a fresh directory (mode 0700) under os.tmpdir(). */
  readonly path: string;
  /** The original is a regular file that can change during the run (a pipe cannot). */
  readonly watchable: boolean;
  /** E_FILE_CHANGED when the original is no longer what was copied, else undefined. */
  check(): Promise<InputFileError | undefined>;
  /** Calls `onChange` once, as soon as the original changes (fs.watch, and a poll that keeps no process alive). */
  watch(onChange: (error: InputFileError) => void): void;
  /** Stops watching and removes the copy; safe to call more than once. */
  close(): Promise<void>;
}

/** What identifies the original's content without reading it. */
interface Identity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/** Directories of the snapshots alive in this process, for removeInputSnapshotsSync. */
const liveSnapshots = new Set<string>();

/**
 * Removes every snapshot of this process, synchronously: for an exit that runs no `finally`
 * (cli.ts calls it before `process.exit` on a second interrupt).
 */
export function removeInputSnapshotsSync(): void {
  for (const dir of liveSnapshots) rmSync(dir, { recursive: true, force: true });
  liveSnapshots.clear();
}

function changedDuringRun(file: string, what: string): InputFileError {
  return new InputFileError(
    "E_FILE_CHANGED",
    `the file changed during the run: ${what}; the rows not yet started were not attempted, and nothing of its new content was read (expected the file unchanged until the run ends; run again once it is complete)`,
    { file },
  );
}

async function identify(file: string, path: string): Promise<Identity & { regular: boolean }> {
  let stats: Awaited<ReturnType<typeof stat>> & { mtimeNs: bigint };
  try {
    stats = await stat(path, { bigint: true });
  } catch (error) {
    if (isSystemError(error)) throw unreadable(file, error);
    throw error;
  }
  if (stats.isDirectory()) throw isDirectory(file);
  return {
    dev: stats.dev,
    ino: stats.ino,
    size: stats.size,
    mtimeNs: stats.mtimeNs,
    regular: stats.isFile(),
  };
}

/** How the original differs from `before`, or undefined when it does not. */
async function difference(path: string, before: Identity): Promise<string | undefined> {
  let now: Identity;
  try {
    now = await identify(path, path);
  } catch {
    return "it was removed or cannot be read any more";
  }
  if (now.dev !== before.dev || now.ino !== before.ino) return "it was replaced by another file";
  if (now.size !== before.size) return `its size changed from ${before.size} to ${now.size} bytes`;
  if (now.mtimeNs !== before.mtimeNs) return "its modification time changed";
  return undefined;
}

/**
 * Copies the input (a file, a FIFO, `-` for standard input) into a private snapshot, for
 * inspectInput and readRows to read instead of the original. The caller must close() it.
 */
export async function snapshotInput(file: string, signal?: AbortSignal): Promise<InputSnapshot> {
  signal?.throwIfAborted();
  const name = file === STDIN_INPUT ? "stdin" : file;
  const source = file === STDIN_INPUT ? "/dev/stdin" : file;
  const before = await identify(name, source);
  const dir = await mkdtemp(join(tmpdir(), "bc-order-batch-input-"));
  liveSnapshots.add(dir);
  const path = join(dir, "input.csv");
  const remove = async (): Promise<void> => {
    liveSnapshots.delete(dir);
    await rm(dir, { recursive: true, force: true });
  };
  // Standard input that is not a file (a pipe, or the socket a parent process gives, which
  // /dev/stdin cannot open: ENXIO) is read from descriptor 0, which stays open.
  const fromStdin = (file === STDIN_INPUT || STDIN_PATHS.has(file)) && !before.regular;
  try {
    await pipelineAsync(
      fromStdin
        ? createReadStream("", { fd: 0, autoClose: false, highWaterMark: SCAN_CHUNK_BYTES })
        : createReadStream(source, { highWaterMark: SCAN_CHUNK_BYTES }),
      createWriteStream(path, { flags: "wx", mode: 0o600 }),
      { signal },
    );
    if (before.regular) {
      const what = await difference(source, before);
      // Copied while being written: the copy may hold half of each version.
      if (what !== undefined) throw changedDuringRun(name, `${what} while it was being read`);
    }
  } catch (error) {
    await remove();
    if (isSystemError(error)) throw unreadable(name, error);
    throw error;
  }

  let stopWatching: (() => void) | undefined;
  const check = async (): Promise<InputFileError | undefined> => {
    if (!before.regular) return undefined;
    const what = await difference(source, before);
    return what === undefined ? undefined : changedDuringRun(name, what);
  };
  return {
    file: name,
    path,
    watchable: before.regular,
    check,
    watch(onChange) {
      if (!before.regular || stopWatching !== undefined) return;
      let done = false;
      let busy = false;
      let watcher: FSWatcher | undefined;
      const stop = (): void => {
        done = true;
        clearInterval(timer);
        watcher?.close();
      };
      const probe = async (): Promise<void> => {
        if (done || busy) return;
        busy = true;
        try {
          const error = await check();
          if (error !== undefined && !done) {
            stop();
            onChange(error);
          }
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void probe(), WATCH_INTERVAL_MS);
      timer.unref();
      try {
        watcher = watchFile(source, { persistent: false }, () => void probe());
        watcher.on("error", () => {
          // The poll still watches.
        });
      } catch {
        // No fs.watch here (some network file systems): the poll watches alone.
      }
      stopWatching = stop;
      void probe();
    },
    async close() {
      stopWatching?.();
      await remove();
    },
  };
}

async function readHead(file: string, path: string = file): Promise<Buffer> {
  try {
    const handle = await open(path, "r");
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

/**
 * Detected UTF-8 met a byte that is not UTF-8 before any valid multi-byte sequence: inspectInput
 * tries Windows-1252 next.
 */
class NotUtf8 extends Error {
  readonly line: number;
  /** The bad bytes are in the header (then the file cannot be UTF-8 with one bad row). */
  readonly inHeader: boolean;
  readonly failure: { readonly bytesHex: string; readonly offset: number };

  constructor(
    line: number,
    inHeader: boolean,
    failure: { readonly bytesHex: string; readonly offset: number },
  ) {
    super(`not UTF-8 (line ${line})`);
    this.line = line;
    this.inHeader = inHeader;
    this.failure = failure;
  }
}

/**
 * The Windows-1252 reading of a file found a valid multi-byte UTF-8 sequence: the file is UTF-8
 * after all (its bad bytes make their rows invalid), never decoded as Windows-1252.
 */
class LooksUtf8 extends Error {
  readonly line: number;

  constructor(line: number) {
    super(`valid UTF-8 at line ${line}`);
    this.line = line;
  }
}

/** How pass 1 treats bytes that are not UTF-8 in a UTF-8 file. */
type Utf8Mode =
  /** --encoding utf-8: the file is refused at the first one. */
  | "strict"
  /** No BOM: before any valid multi-byte sequence they mean "not UTF-8" (NotUtf8); after one, their row is invalid. */
  | "probe"
  /** A UTF-8 BOM, or a file known to hold UTF-8: their row is invalid. */
  | "rows";

function decodeError(
  file: string,
  choice: EncodingChoice,
  failure: DecodeFailure,
  line: number,
  inHeader = false,
): Error {
  if (choice.encoding === "utf-8" && choice.source === "detected") {
    return new NotUtf8(line, inHeader, {
      bytesHex: failure.bytesHex,
      offset: choice.bomLength + failure.byteOffset,
    });
  }
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
  /** The line break after the header record as each candidate delimiter reads it (InputInfo.lineEnding). */
  readonly endings: ReadonlyMap<Delimiter, "\r\n" | "\n">;
}

/** The header record's text and line, read with the file's encoding; undefined for no record. */
async function readHeaderText(
  file: string,
  path: string,
  choice: EncodingChoice,
  candidates: readonly Delimiter[],
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<HeaderText | undefined> {
  const decoder = new StrictDecoder(choice.encoding);
  const stream = createReadStream(path, { start: choice.bomLength, highWaterMark: 64 * 1024 });
  const texts = new Map<Delimiter, string>();
  const endings = new Map<Delimiter, "\r\n" | "\n">();
  let text = "";
  let start = 0;
  let scannedLength = 0;
  try {
    const chunks = stream[Symbol.asyncIterator]();
    for (;;) {
      signal?.throwIfAborted();
      const next = await chunks.next();
      const eof = next.done === true;
      // Bad bytes after the header are the scan's business (in a UTF-8 file they make their row
      // invalid): the header is read from what decoded cleanly before them.
      let failure: DecodeFailure | undefined;
      try {
        text += eof ? decoder.end() : decoder.write(next.value as Buffer);
      } catch (error) {
        if (!(error instanceof DecodeFailure)) throw error;
        failure = error;
        text += error.valid as string;
      }
      while (text[start] === "\r" || text[start] === "\n") start++;
      // Rescan only when the text has doubled, so a huge header costs linear time.
      if (eof || failure !== undefined || text.length >= 2 * scannedLength) {
        scannedLength = text.length;
        for (const delimiter of candidates) {
          if (texts.has(delimiter)) continue;
          const end = recordEnd(text, start, delimiter, eof);
          if (end >= 0) {
            texts.set(delimiter, text.slice(start, end));
            // A CR is never read as the half of a CRLF cut off at the end of what was read so far.
            endings.set(delimiter, text[end] === "\r" ? "\r\n" : "\n");
          }
        }
      }
      const line = 1 + countLineBreaks(text.slice(0, start));
      if (texts.size === candidates.length || eof) {
        return start >= text.length ? undefined : { line, texts, endings };
      }
      if (failure !== undefined) {
        throw decodeError(file, choice, failure, 1 + countLineBreaks(text), true);
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
        `cannot tell the delimiter: no known column name appears in the header whether split on ",", ";", a tab or "|" (expected a header naming order_id; the delimiter can be set explicitly)`,
        { file, line: header.line },
      );
    }
    best = present[0] ?? best;
  }
  return { delimiter: best.delimiter, cells: best.cells };
}

/**
 * Nameless columns at the end of the header are ignored only when they are empty in every row
 * (issue 13: Excel's `order_id,status_id,,`, SAP's trailing delimiter). A value in one means the
 * column was meant to be read: the file is refused (E_HEADER_EMPTY_NAME) at the first such row.
 * The structure scan does not see values, so this reads the file once more, and only for such a
 * header.
 */
async function checkTrailingEmpty(
  file: string,
  path: string,
  choice: EncodingChoice,
  delimiter: Delimiter,
  headerLine: number,
  cells: readonly string[],
  namedCount: number,
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<void> {
  const source = createReadStream(path, {
    start: choice.bomLength,
    highWaterMark: SCAN_CHUNK_BYTES,
  });
  // Only emptiness is judged: UTF-8 and Windows-1252 bytes go as they are (the delimiter, quotes
  // and line breaks are ASCII there); UTF-16 is decoded first.
  const decoder = choice.encoding.startsWith("utf-16")
    ? new StrictDecoder(choice.encoding)
    : undefined;
  const parser = new Parser({
    ...PARSE_OPTIONS,
    delimiter,
    info: true,
    max_record_size: settings.maxRecordBytes * 3 + 1024,
  });
  pipeline(
    source,
    async function* decode(chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        yield decoder === undefined ? chunk : decoder.write(chunk);
      }
      if (decoder !== undefined) yield decoder.end();
    },
    parser,
    () => {
      // Errors surface through the iteration below.
    },
  );
  let headerSeen = false;
  try {
    for await (const item of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!headerSeen) {
        headerSeen = true;
        continue;
      }
      const { record } = item;
      for (let at = namedCount; at < Math.min(record.length, cells.length); at++) {
        if ((record[at] ?? "").trim() === "") continue;
        throw new InputFileError(
          "E_HEADER_EMPTY_NAME",
          `column ${at + 1} of the header has no name, and line ${item.info.lines} has a value in it (expected a column name in every header field that has values; name the column, or delete its values)`,
          { file, line: headerLine, column: String(at + 1) },
        );
      }
    }
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    // The structure scan accepted the file: anything else here is a file that changed meanwhile.
    throw readError(file, error, headerLine);
  } finally {
    parser.destroy();
    source.destroy();
  }
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
  /** Data records of a UTF-8 file holding bytes that are not UTF-8, by start line. */
  invalidUtf8: Map<number, InvalidUtf8>;
}

/** Pass 1 over the whole file: decoding and structure of every record, and the counts. */
async function scanFile(
  file: string,
  path: string,
  choice: EncodingChoice,
  utf8Mode: Utf8Mode,
  delimiter: Delimiter,
  header: HeaderText,
  fieldCount: number,
  namedCount: number,
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<ScanSummary> {
  const summary: ScanSummary = {
    rowCount: 0,
    emptyRows: 0,
    firstEmptyLine: 0,
    ragged: 0,
    firstRaggedLine: 0,
    invalidUtf8: new Map(),
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
      // A row may stop before the nameless columns at the end of the header.
      const ragged = fields > fieldCount || fields < namedCount;
      if (ragged && summary.ragged++ === 0) summary.firstRaggedLine = line;
    }
  });
  const stream = createReadStream(path, {
    start: choice.bomLength,
    highWaterMark: SCAN_CHUNK_BYTES,
  });
  try {
    if (choice.encoding === "utf-8" && utf8Mode !== "strict") {
      await scanUtf8Rows(
        file,
        stream,
        scanner,
        choice,
        utf8Mode,
        header,
        summary.invalidUtf8,
        signal,
      );
    } else if (choice.source === "fallback") {
      await scanFallback(stream, scanner, signal);
    } else {
      const input = scanInputFor(choice.encoding);
      for await (const chunk of stream) {
        signal?.throwIfAborted();
        scanner.write(input.write(chunk as Buffer));
      }
      scanner.write(input.end());
    }
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

function headerNotUtf8(
  file: string,
  line: number,
  bytesHex: string,
  offset: number,
  why: string,
): InputFileError {
  return new InputFileError(
    "E_ENCODING",
    `${bytesHex} (byte offset ${offset} of the file) in the header is not valid UTF-8 (expected a UTF-8 header, as ${why}; a bad byte in the header cannot be confined to one row)`,
    { file, line },
  );
}

/**
 * Pass 1 of a UTF-8 file whose bad bytes make their row invalid rather than the file: the scanner
 * is fed up to each bad sequence, so its state there says which record and field hold it.
 */
async function scanUtf8Rows(
  file: string,
  stream: ReadStream,
  scanner: RecordScanner,
  choice: EncodingChoice,
  utf8Mode: Utf8Mode,
  header: HeaderText,
  invalid: Map<number, InvalidUtf8>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const input = new LenientUtf8();
  const problems: Utf8Problem[] = [];
  /** Stream offset of the next byte the scanner gets. */
  let fed = 0;
  const feed = (bytes: Buffer): void => {
    let at = 0;
    for (const problem of problems) {
      const next = problem.offset - fed;
      scanner.write(bytes.subarray(at, next));
      at = next;
      const offset = choice.bomLength + problem.offset;
      const utf8Before = input.firstMultibyte >= 0 && input.firstMultibyte < problem.offset;
      const inHeader = scanner.recordLine <= header.line;
      if (inHeader && utf8Mode === "rows") {
        throw headerNotUtf8(file, scanner.line, problem.bytesHex, offset, "the file is UTF-8");
      }
      if ((utf8Mode === "probe" && !utf8Before) || inHeader) {
        // No UTF-8 text before it (perhaps Windows-1252), or the header holds it (no row to fail).
        throw new NotUtf8(scanner.line, inHeader, { bytesHex: problem.bytesHex, offset });
      }
      if (!invalid.has(scanner.recordLine)) {
        invalid.set(scanner.recordLine, {
          line: scanner.line,
          field: scanner.field,
          offset,
          bytesHex: problem.bytesHex,
        });
      }
    }
    problems.length = 0;
    scanner.write(bytes.subarray(at));
    fed += bytes.length;
  };
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    feed(input.write(chunk as Buffer, problems));
  }
  feed(input.end(problems));
}

/**
 * Pass 1 of a file read as Windows-1252 because it is not UTF-8: its bytes scan as they are. A
 * valid multi-byte UTF-8 sequence anywhere means the file is UTF-8 after all (LooksUtf8).
 */
async function scanFallback(
  stream: ReadStream,
  scanner: RecordScanner,
  signal: AbortSignal | undefined,
): Promise<void> {
  const probe = new LenientUtf8();
  let fed = 0;
  const found = (chunk: Buffer): void => {
    if (probe.firstMultibyte < 0) return;
    scanner.write(chunk.subarray(0, Math.max(0, probe.firstMultibyte - fed)));
    throw new LooksUtf8(scanner.line);
  };
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    probe.write(chunk as Buffer);
    found(chunk as Buffer);
    scanner.write(chunk as Buffer);
    fed += (chunk as Buffer).length;
  }
  probe.end();
  found(Buffer.alloc(0));
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

async function inspectWith(
  file: string,
  path: string,
  fingerprint: Fingerprint,
  choice: EncodingChoice,
  utf8Mode: Utf8Mode,
  settings: Settings,
  warnings: string[],
  signal: AbortSignal | undefined,
): Promise<InputInfo> {
  const candidates = settings.delimiter === undefined ? DELIMITERS : [settings.delimiter];
  const header = await readHeaderText(file, path, choice, candidates, settings, signal);
  if (header === undefined) {
    throw new InputFileError(
      "E_FILE_EMPTY",
      "the file has no header (expected a first line naming the columns, e.g. order_id,status_id)",
      { file },
    );
  }
  const { delimiter, cells } = chooseDelimiter(file, header, settings);
  const resolved = resolveHeaderDetails(
    cells,
    { ...settings, allowTrailingEmpty: true },
    file,
    header.line,
  );
  const { columns } = resolved;
  const namedCount = cells.length - resolved.trailingEmpty.length;
  const summary = await scanFile(
    file,
    path,
    choice,
    utf8Mode,
    delimiter,
    header,
    cells.length,
    namedCount,
    settings,
    signal,
  );
  if (namedCount < cells.length) {
    await checkTrailingEmpty(
      file,
      path,
      choice,
      delimiter,
      header.line,
      cells,
      namedCount,
      settings,
      signal,
    );
  }

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
  const invalidUtf8 = summary.invalidUtf8;
  if (invalidUtf8.size > 0) {
    const first = invalidUtf8.values().next().value as InvalidUtf8;
    warnings.push(
      `${file}: ${plural(invalidUtf8.size, "row holds", "rows hold")} bytes that are not valid UTF-8 (first at line ${first.line}); the rest of the file is UTF-8, so ${invalidUtf8.size === 1 ? "it is" : "they are"} reported as invalid and the file is not re-read in another encoding`,
    );
  }
  if (summary.ragged > 0) {
    const expected =
      namedCount < cells.length ? `${namedCount} to ${cells.length}` : `${cells.length}`;
    warnings.push(
      `${file}: ${plural(summary.ragged, "row has", "rows have")} a different number of fields than the header's ${expected} (first at line ${summary.firstRaggedLine}); they are reported as invalid`,
    );
  }
  for (const source of Object.keys(settings.columnMap ?? {})) {
    const key = source.trim().toLowerCase();
    const form = headerNormalForm(source);
    const found = cells.some(
      (cell) => cell.trim().toLowerCase() === key || headerNormalForm(cell) === form,
    );
    if (!found) {
      warnings.push(`${file}: the column map names "${source}", which is not in the header`);
    }
  }
  // One line saying which headers were read as which columns, and which were ignored (issue 13).
  if (resolved.notice !== undefined) warnings.push(`${file}: ${resolved.notice}`);
  const info: InputInfo = Object.freeze({
    file,
    encoding: choice.encoding,
    encodingSource: choice.source,
    bom: choice.bomLength > 0,
    delimiter,
    lineEnding: header.endings.get(delimiter) ?? "\n",
    headerCells: Object.freeze(cells),
    columns: Object.freeze(columns),
    ...(resolved.shared.length > 0 ? { sharedColumns: Object.freeze(resolved.shared) } : {}),
    ...(namedCount < cells.length ? { namedFieldCount: namedCount } : {}),
    rowCount: summary.rowCount,
    warnings: Object.freeze(warnings),
  });
  fingerprints.set(info, fingerprint);
  if (path !== file) readPaths.set(info, path);
  if (invalidUtf8.size > 0) invalidUtf8Rows.set(info, invalidUtf8);
  return info;
}

/**
 * First pass over the whole input file, before any request: detects the encoding and the
 * delimiter, resolves the header, checks the structure of every record and counts the data rows.
 * Throws InputFileError (file, line, stable code) for a file that must not be used at all.
 */
export async function inspectInput(
  input: string | InputSnapshot,
  options: ReadOptions = {},
  signal?: AbortSignal,
): Promise<InputInfo> {
  const settings = settingsFrom(options);
  signal?.throwIfAborted();
  // A snapshot is read, and named in messages as the original.
  const file = typeof input === "string" ? input : input.file;
  const path = typeof input === "string" ? input : input.path;
  const fingerprint = await statInput(file, path);
  const choice = chooseEncoding(file, await readHead(file, path), settings.encoding);
  const utf8Mode: Utf8Mode =
    choice.source === "forced" ? "strict" : choice.source === "bom" ? "rows" : "probe";
  let notUtf8: NotUtf8;
  try {
    return await inspectWith(file, path, fingerprint, choice, utf8Mode, settings, [], signal);
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    notUtf8 = error;
  }
  // A bad byte before any valid multi-byte sequence: Windows-1252, unless a valid UTF-8 sequence
  // comes later (then the file is UTF-8 and its bad bytes fail their rows).
  try {
    const warning = `${file} is not valid UTF-8 (first bad byte at line ${notUtf8.line}); decoded as Windows-1252`;
    const fallback: EncodingChoice = { encoding: "windows-1252", source: "fallback", bomLength: 0 };
    return await inspectWith(
      file,
      path,
      fingerprint,
      fallback,
      "strict",
      settings,
      [warning],
      signal,
    );
  } catch (error) {
    if (!(error instanceof LooksUtf8)) throw error;
    if (notUtf8.inHeader) {
      throw headerNotUtf8(
        file,
        notUtf8.line,
        notUtf8.failure.bytesHex,
        notUtf8.failure.offset,
        `the file holds UTF-8 text (line ${error.line})`,
      );
    }
    return await inspectWith(file, path, fingerprint, choice, "rows", settings, [], signal);
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
  const path = readPaths.get(info) ?? file;
  const expected = fingerprints.get(info);
  if (expected !== undefined) {
    const now = await statInput(file, path);
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
  for (const { index, column } of info.sharedColumns ?? []) {
    knownIndexes.push(index);
    knownNames.push(column);
  }
  const knownCount = knownIndexes.length;
  const namedCount = info.namedFieldCount ?? fieldCount;

  // Records pass 1 found holding bytes that are not UTF-8: csv-parse reads them as they are (the
  // bad bytes show as U+FFFD in the results), and each such row is invalid.
  const invalidUtf8 = invalidUtf8Rows.get(info);
  const input = invalidUtf8 === undefined ? parserInputFor(info.encoding) : passThrough;
  let invalidSeen = 0;
  const source: ReadStream = createReadStream(path, {
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
      const bad = invalidUtf8?.get(line);
      if (bad !== undefined) {
        invalidSeen++;
        yield { index, line, cells, values, structureProblem: invalidUtf8Problem(info, bad) };
        continue;
      }
      yield cells.length <= fieldCount && cells.length >= namedCount
        ? { index, line, cells, values }
        : {
            index,
            line,
            cells,
            values,
            structureProblem: {
              code: "E_FIELD_COUNT",
              message:
                namedCount < fieldCount
                  ? `expected ${namedCount} to ${fieldCount} fields, found ${cells.length}`
                  : `expected ${fieldCount} fields, found ${cells.length}`,
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
  if (invalidUtf8 !== undefined && invalidSeen !== invalidUtf8.size) {
    throw new InternalError(
      `${file}: pass 1 found ${invalidUtf8.size} rows that are not UTF-8, pass 2 matched ${invalidSeen}`,
    );
  }
}

const passThrough = {
  write: (chunk: Buffer): Buffer => chunk,
  end: (): Buffer => Buffer.alloc(0),
};

/** The problem of a row holding bytes that are not UTF-8 (E_INVALID_UTF8), where pass 1 found them. */
function invalidUtf8Problem(info: InputInfo, bad: InvalidUtf8): RowProblem {
  const column = info.columns[bad.field - 1];
  const name = info.headerCells[bad.field - 1];
  const where = name === undefined ? `field ${bad.field}` : `column ${bad.field} (${name})`;
  return {
    code: "E_INVALID_UTF8",
    ...(column !== undefined ? { column } : {}),
    message: `${name ?? `field ${bad.field}`}: ${bad.bytesHex} at line ${bad.line}, ${where}, byte offset ${bad.offset} of the file, is not valid UTF-8; the row was not sent (expected UTF-8 text like the rest of the file: this value was saved in another encoding or damaged; fix it and save the file as CSV UTF-8)`,
  };
}

/** Resolves when `stream` may have data to read, or has ended, failed or closed. */
function readableOrDone(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return firstEvent(stream, ["readable", "end", "error", "close"]);
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
