import { close, constants, createWriteStream, fstat, open, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { promisify } from "node:util";
import { BatchError } from "../errors.js";
import { firstEvent } from "../events.js";

// The results file is a contract (issue #2, #5): fixed header, one record per input row, UTF-8,
// formula-neutralised cells (csv-line.ts). This module names and writes the files; resume/ reads
// an earlier one back.

/** `orders.results.csv` → `orders.results.failed.csv`. */
export function failedRowsPath(resultsPath: string): string {
  return resultsPath.toLowerCase().endsWith(".csv")
    ? `${resultsPath.slice(0, -4)}.failed.csv`
    : `${resultsPath}.failed.csv`;
}

// ---- Writing: the results and failed-rows files, and any output stream ----

/** What the system error of a file we cannot open means, for the message (policy as data). */
const OPEN_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "its directory does not exist",
  ENOTDIR: "a part of its directory path is not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  ELOOP: "it is a symbolic link, which is never followed",
};

/**
 * The results or failed-rows file cannot be written: `E_OUTPUT_UNWRITABLE` before any row ran (the
 * path cannot be opened), `E_OUTPUT_WRITE` when writing failed during the run (full disk, closed
 * stream). Exit 2, like an unreadable input file.
 */
export class OutputFileError extends BatchError {
  /** The path, or a description of the stream (`the output stream`). */
  readonly file: string;

  constructor(
    code: "E_OUTPUT_UNWRITABLE" | "E_OUTPUT_WRITE" | "E_OUTPUT_IS_INPUT" | "E_OUTPUT_SYMLINK",
    message: string,
    context: { file: string; cause?: unknown },
  ) {
    super(code, `${context.file}: ${message}`, { cause: context.cause });
    this.file = context.file;
  }
}

/** What a system error means, for a message: `its directory does not exist (ENOENT)`. */
export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : OPEN_PROBLEMS[code];
  if (known) return `${known} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Devices and pipes (/dev/null, /dev/full, a named pipe): writing there replaces no file. */
export function isStreamLike(stats: {
  isCharacterDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): boolean {
  return stats.isCharacterDevice() || stats.isFIFO() || stats.isSocket();
}

const openFile = promisify(open);
const fstatFile = promisify(fstat);
const closeFile = promisify(close);
// O_NOFOLLOW is missing on Windows (0: no effect there); elsewhere opening a link fails (ELOOP).
const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW = 0 } = constants;

/**
 * Opens `path` for writing without following a symbolic link at it (issue 5): creating or
 * truncating through a link would replace the file it points to, perhaps the input. A link to a
 * device or a pipe (/dev/null, /dev/full) is the one exception: it is opened without O_CREAT and
 * O_TRUNC, so the open itself changes nothing, and refused unless it is still one once open.
 */
async function openNoFollow(path: string): Promise<number> {
  try {
    return await openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOOP") throw error;
  }
  const fd = await openFile(path, O_WRONLY).catch(() => {
    throw Object.assign(new Error("a symbolic link"), { code: "ELOOP" });
  });
  if (isStreamLike(await fstatFile(fd))) return fd;
  await closeFile(fd);
  throw Object.assign(new Error("a symbolic link"), { code: "ELOOP" });
}

/**
 * Creates (or truncates) `path` for writing and resolves once it is open, so that an unwritable
 * path is reported before any row runs, as an OutputFileError (E_OUTPUT_UNWRITABLE), never as an
 * unhandled 'error' event. A symbolic link at `path` is not followed (see openNoFollow).
 */
export async function openOutputFile(path: string): Promise<WriteStream> {
  let fd: number;
  try {
    fd = await openNoFollow(path);
  } catch (cause) {
    throw new OutputFileError("E_OUTPUT_UNWRITABLE", `cannot write here: ${describeError(cause)}`, {
      file: path,
      cause,
    });
  }
  return createWriteStream(path, { fd });
}

/** Removes a file this run created, when the run cannot go on; a failure to remove it changes nothing. */
export async function removeOutputFile(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => {});
}

/**
 * Error codes that mean the reader of an output stream went away (`-o - | head`: the pipe closed),
 * not that results were lost to a fault: like a process killed by SIGPIPE, the run just stops.
 */
const READER_GONE: ReadonlySet<string> = new Set([
  "EPIPE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True when `error` of an output stream says its reader went away (see READER_GONE). */
export function readerWentAway(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && READER_GONE.has(code);
}

/**
 * A stream the run writes to (the results file or stream, the failed-rows file), guarded: a failure
 * of the target (a full disk; `-o - | head` closing the pipe) never surfaces as an unhandled 'error'
 * event and never hangs the run. The first failure is kept (`failure`) and reported once through
 * `onFailure`; later writes are dropped. The target is never ended here unless `close(true)`.
 */
export class GuardedOutput {
  readonly target: Writable;
  /** The path, or a description of the stream, for messages. */
  readonly name: string;
  readonly #onFailure: (error: Error) => void;
  #failure: Error | undefined;
  /** Writes whose callback has not run yet; the error listener stays until they have. */
  #unconfirmed = 0;
  #confirmed: (() => void) | undefined;
  readonly #fail = (error: Error): void => {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#onFailure(error);
  };
  readonly #written = (error?: Error | null): void => {
    this.#unconfirmed--;
    if (error) this.#fail(error);
    if (this.#unconfirmed === 0) this.#confirmed?.();
  };

  constructor(target: Writable, name: string, onFailure: (error: Error) => void) {
    this.target = target;
    this.name = name;
    this.#onFailure = onFailure;
    target.on("error", this.#fail);
  }

  /** The first failure of the target, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Writes `text` (dropped once the target failed). Returns a promise only when the caller must
   * wait (the target is full), so the usual write costs no await. The promise also settles when
   * the target fails or closes: a reader that went away never leaves the run waiting.
   */
  write(text: string): Promise<void> | undefined {
    if (this.#failure !== undefined) return undefined;
    const target = this.target;
    if (!target.writable) {
      // Ended or destroyed by someone else: writing would fail without an 'error' event.
      this.#fail(
        Object.assign(new Error("the stream was closed"), { code: "ERR_STREAM_DESTROYED" }),
      );
      return undefined;
    }
    this.#unconfirmed++;
    if (target.write(text, this.#written)) return undefined;
    return firstEvent(target, ["drain", "error", "close"]);
  }

  /**
   * Waits until every write is confirmed (or the target failed or closed); with `end`, ends the
   * target and waits until it is finished (a file). Then lets go of the target: its error listener
   * is removed, unless the target failed (a dead stream may still report its failure). A failure
   * met here is kept in `failure` like any other.
   */
  async close(end: boolean): Promise<void> {
    const target = this.target;
    if (this.#failure === undefined && !target.destroyed) {
      if (end) {
        target.end();
        await finished(target).catch((error: Error) => this.#fail(error));
      } else if (this.#unconfirmed > 0) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.#confirmed = undefined;
            target.off("close", done);
            target.off("error", done);
            resolve();
          };
          this.#confirmed = done;
          target.on("close", done);
          target.on("error", done);
        });
      }
    }
    if (this.#failure === undefined) target.off("error", this.#fail);
  }
}
