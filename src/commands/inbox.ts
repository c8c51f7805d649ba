/**
 * `bc-order-batch inbox <dir>` (issue 14): a drop folder for cron. Every settled `*.csv` in `dir`
 * (not its subfolders) is run, oldest first, as a normal run with the same flags:
 *
 *   dir/orders.csv ─► dir/processing/orders.csv (+ orders.results.csv …) while it runs
 *                  ─► dir/done/   every row succeeded (exit 0)
 *                  ─► dir/failed/ anything else, with orders.error.txt when the whole file was refused
 *
 * A file left in processing/ (a crash, a kill -9, a stop by signal) is resumed first on the next
 * call, with --resume against its results file beside it. One inbox run per folder at a time: the
 * folder's `.bc-order-batch-inbox.lock`, taken like a results file's lock (output/lock.ts).
 *
 * Nothing here touches `process`: cli.ts passes in how to build and run one file, the signal
 * that stops, and where reports go.
 */
import { constants as fsConstants, type Stats } from "node:fs";
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { CODES } from "../codes.js";
import { BatchError, UsageError } from "../errors.js";
import { acquireResultsLock, ResultsLockedError } from "../output/lock.js";
import { exitCodeOf, plural, type RunSummary, summaryToJson } from "../output/summarize.js";
import { undoJournalPathOf, undoPathOf } from "../output/undo.js";
import { failedRowsPath } from "../output/write-results.js";
import type { RunOptions } from "../run.js";

/** The subfolders of an inbox, policy as data. */
export const INBOX_FOLDERS = {
  processing: "processing",
  done: "done",
  failed: "failed",
} as const;

/** The folder's lock: `acquireResultsLock` adds `.lock`; the leading dot keeps it from ever being an input. */
export const INBOX_LOCK_BASE = ".bc-order-batch-inbox";

/** Names never taken: files still being written (by convention) and hidden files. */
const NEVER_TAKEN = {
  prefixes: ["."],
  suffixes: [".part", ".tmp"],
} as const;

/** @default --settle */
export const DEFAULT_SETTLE_S = 30;
/** @default --watch without a value */
export const DEFAULT_WATCH_S = 60;

// ---- Names (pure) ----

/** `orders.csv` → `orders` (any case of `.csv`); undefined for a name that is not a CSV. */
export function csvBase(name: string): string | undefined {
  return name.toLowerCase().endsWith(".csv") && name.length > 4 ? name.slice(0, -4) : undefined;
}

/** Whether a file name in the inbox is one to take: `*.csv`, not hidden, not `.part`/`.tmp`. */
export function isCandidateName(name: string): boolean {
  const lower = name.toLowerCase();
  if (NEVER_TAKEN.prefixes.some((prefix) => lower.startsWith(prefix))) return false;
  if (NEVER_TAKEN.suffixes.some((suffix) => lower.endsWith(suffix))) return false;
  return csvBase(name) !== undefined;
}

/** The files of one input in a folder, all named from its base: results beside the input. */
export interface FileGroup {
  readonly input: string;
  readonly results: string;
  readonly failedRows: string;
  /** The run's undo file and its journal (output/undo.ts), kept beside the results. */
  readonly undo: string;
  readonly undoJournal: string;
  readonly errorText: string;
}

/**
 * `orders` → orders.csv, orders.results.csv, orders.results.failed.csv (as a run names them,
 * output/write-results.ts failedRowsPath), orders.error.txt. `ext` keeps the input's own case.
 */
export function groupOf(base: string, ext = ".csv"): FileGroup {
  const results = `${base}.results.csv`;
  return {
    input: `${base}${ext}`,
    results,
    failedRows: failedRowsPath(results),
    undo: undoPathOf(results),
    undoJournal: undoJournalPathOf(results),
    errorText: `${base}.error.txt`,
  };
}

/** Every name of a group, and the run's work files that sit beside the results (for --resume). */
function groupNames(group: FileGroup): string[] {
  return [
    group.input,
    group.results,
    group.failedRows,
    group.undo,
    group.undoJournal,
    group.errorText,
    `${group.results}.partial`,
    `${group.results}.fold`,
    `${group.results}.lock`,
  ];
}

/**
 * The inputs among the names of processing/: every CSV that is not the results or failed-rows
 * file of another CSV there. A file dropped into the inbox under a results-like name
 * (`x.results.failed.csv`, fed back in to re-run) is still an input: its results are
 * `x.results.failed.results.csv`, and no `x.results.csv`'s input sits beside it.
 */
export function inputsAmong(names: readonly string[]): string[] {
  const present = new Set(names);
  const artefacts = new Set<string>();
  for (const name of names) {
    const base = csvBase(name);
    if (base === undefined || !isCandidateName(name)) continue;
    const group = groupOf(base, name.slice(-4));
    artefacts.add(group.results);
    artefacts.add(group.failedRows);
    artefacts.add(group.undo);
  }
  return names.filter((name) => isCandidateName(name) && !artefacts.has(name) && present.has(name));
}

/** `2025-06-01T02:00:00.123Z` → `2025-06-01T02-00-00Z`: sortable, and valid on every file system. */
export function timestampSuffix(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(":", "-");
}

/**
 * A base name for `base`'s group in a folder where `taken` names exist: `base` itself when none of
 * its group's names is taken, else `base.<timestamp>`, then `base.<timestamp>-2`, … Never one
 * that would overwrite anything.
 */
export function freeBase(
  base: string,
  ext: string,
  taken: (name: string) => boolean,
  now: Date,
): string {
  const free = (candidate: string) => !groupNames(groupOf(candidate, ext)).some(taken);
  if (free(base)) return base;
  const stamped = `${base}.${timestampSuffix(now)}`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? stamped : `${stamped}-${n}`;
    if (free(candidate)) return candidate;
  }
}

/**
 * Settled: unchanged for `settleMs`. Decided from two stats taken a moment apart (a one-shot cron
 * call remembers nothing of the last): the last modification is at least `settleMs` old, and size
 * and mtime are the same in both. A writer that pauses longer than `settleMs` mid-file cannot be
 * told from a finished one: such writers should write `name.part` and rename it when done.
 */
export function isSettled(
  first: Pick<Stats, "size" | "mtimeMs">,
  second: Pick<Stats, "size" | "mtimeMs">,
  nowMs: number,
  settleMs: number,
): boolean {
  return (
    first.size === second.size &&
    first.mtimeMs === second.mtimeMs &&
    nowMs - second.mtimeMs >= settleMs
  );
}

/**
 * Exit code of several files: the highest. That orders 0 (all done) < 1 (rows failed) < 2 (a file
 * refused, fatal) < 3 (outage) < 129/130/143 (stopped by a signal).
 */
export function worstExitCode(codes: Iterable<number>): number {
  let worst = 0;
  for (const code of codes) worst = Math.max(worst, code);
  return worst;
}

// ---- Reports ----

/** Where a file went: its folder, or `processing` when a stop left it there to be resumed. */
export type FileStatus = "done" | "failed" | "processing";

/** What happened to one file of a pass. */
export interface FileReport {
  /** The input's name as it was found (in the inbox, or in processing/ when resumed). */
  readonly file: string;
  readonly status: FileStatus;
  /** The input's path now, relative to the inbox: `done/orders.csv`, `failed/orders.2025-…Z.csv`. */
  readonly movedTo: string;
  /** Resumed from processing/ (left there by a crash or a stop). */
  readonly resumed: boolean;
  readonly exitCode: number;
  /** The run's summary, its file paths where the files are now; absent when the file was refused. */
  readonly summary?: RunSummary;
  /** Why the whole file was refused (or the run could not start), and the .error.txt saying so. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly errorFile?: string;
}

/** One pass over the folder. */
export interface PassReport {
  readonly dir: string;
  readonly files: readonly FileReport[];
  /** CSVs not taken yet because they were still changing (not settled), oldest first. */
  readonly waiting: readonly string[];
  /** The pass ended early: a signal, an outage or rejected credentials (the rest wait in the inbox). */
  readonly stopped: boolean;
  readonly exitCode: number;
}

/** A file's report as its `--json` line (and the body of its notification). */
export function fileReportToJson(report: FileReport): Record<string, unknown> {
  return {
    type: "file",
    file: report.file,
    status: report.status,
    moved_to: report.movedTo,
    resumed: report.resumed,
    exit_code: report.exitCode,
    ...(report.summary
      ? summaryToJson(report.summary, { mode: "run", exitCode: report.exitCode })
      : {}),
    error_code: report.error?.code ?? null,
    error: report.error?.message ?? null,
    error_file: report.errorFile ?? null,
  };
}

/** A pass's `--json` line, after its files' lines. */
export function passReportToJson(report: PassReport): Record<string, unknown> {
  const count = (status: FileStatus) => report.files.filter((f) => f.status === status).length;
  return {
    type: "pass",
    dir: report.dir,
    files: report.files.length,
    done: count("done"),
    failed: count("failed"),
    processing: count("processing"),
    waiting: report.waiting,
    stopped: report.stopped,
    exit_code: report.exitCode,
  };
}

/** One line for a person (stderr) and for a chat webhook's `text`. */
export function describeFileReport(report: FileReport): string {
  const name = `${report.file}${report.resumed ? " (resumed)" : ""}`;
  const where =
    report.status === "processing"
      ? `stopped, stays in ${report.movedTo} to be resumed on the next call`
      : `→ ${report.movedTo}`;
  const what = report.summary
    ? `${plural(report.summary.rows, "row")}, ${report.summary.succeeded} succeeded, ${report.summary.failed} did not`
    : `refused: ${report.error?.message ?? "unknown error"} [${report.error?.code ?? "E_INTERNAL"}]`;
  return `${name} ${where}: ${what} (exit ${report.exitCode})`;
}

// ---- File moves ----

/**
 * Moves `from` to `to` without ever replacing a file at `to`: a hard link (fails with EEXIST if
 * `to` exists, atomically) then unlink. Where hard links are not supported, a rename after
 * checking `to` is absent (only this inbox run, which holds the folder's lock, writes there).
 * @returns false when `from` does not exist (nothing to move).
 */
async function moveNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    if (code === "EEXIST") throw error;
    // EPERM, ENOTSUP, EXDEV (a subfolder mounted elsewhere): no hard link here.
    if (await exists(to)) {
      throw Object.assign(new Error(`${to} exists`), { code: "EEXIST" });
    }
    if (code === "EXDEV") {
      await copyFile(from, to, fsConstants.COPYFILE_EXCL);
      await unlink(from);
      return true;
    }
    await rename(from, to);
    return true;
  }
  await unlink(from);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function namesIn(folder: string): Promise<string[]> {
  return readdir(folder);
}

/**
 * Moves a group (input last, so that an interruption between the moves leaves the input behind
 * to be run again, never a results file without its input) from one folder to another, under a
 * base name free there. A re-run of a whole file is safe: a shipment whose tracking number is
 * already on the order is never created twice, and a status or note already set is `unchanged`.
 * @returns the base name used in `toDir`.
 */
async function moveGroup(
  fromDir: string,
  toDir: string,
  base: string,
  ext: string,
  now: Date,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const taken = new Set(await namesIn(toDir));
    const target = freeBase(base, ext, (name) => taken.has(name), now);
    const from = groupOf(base, ext);
    const to = groupOf(target, ext);
    try {
      for (const key of [
        "results",
        "failedRows",
        "undo",
        "undoJournal",
        "errorText",
        "input",
      ] as const) {
        await moveNoClobber(join(fromDir, from[key]), join(toDir, to[key]));
      }
      return target;
    } catch (error) {
      // Someone put a file of that name there a moment ago: choose again (at most a few times).
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw error;
    }
  }
}

// ---- The command ----

export interface InboxOptions {
  /** The inbox folder. */
  readonly dir: string;
  /** Unchanged this long before a file is taken, ms. @default 30000 */
  readonly settleMs?: number;
  /** Poll again every this many ms until `signal` aborts; undefined: one pass. */
  readonly watchMs?: number | undefined;
  /** Stops: the file in hand stops like a run stopped by Ctrl-C (and stays in processing/), no other is taken. */
  readonly signal?: AbortSignal;
  /**
   * The run options of one file, built as the run command builds them (options.ts). Called before
   * the file is moved: an error here (bad flags, missing credentials) ends the pass, exit 2, and
   * the file stays where it is.
   */
  readonly prepare: (job: {
    readonly input: string;
    readonly output: string;
    readonly resume: boolean;
  }) => Promise<RunOptions>;
  /** Runs one file (runBatch, with the CLI's progress and signal). */
  readonly run: (options: RunOptions, file: string) => Promise<RunSummary>;
  /** Exit code of one run. @default exitCodeOf (summarize.ts) */
  readonly exitCodeOf?: (summary: RunSummary) => number;
  /** Exit code when stopped by `signal`. @default 130 */
  readonly stopExitCode?: () => number;
  readonly onFile?: (report: FileReport) => void | Promise<void>;
  readonly onPass?: (report: PassReport) => void;
  readonly onWarning?: (text: string) => void;
  /** Applied to every text written into a file (.error.txt): hides the access tokens. */
  readonly redact?: (text: string) => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What a whole inbox call did. */
export interface InboxResult {
  readonly passes: readonly PassReport[];
  /** The highest exit code of its files, or the signal's when a signal stopped it. */
  readonly exitCode: number;
}

/** The folder's lock error, with its own code: the folder is in use, not a results file. */
function inboxLockedError(dir: string, error: ResultsLockedError): BatchError {
  const holder = error.holder;
  const who = holder
    ? `pid ${holder.pid} on ${holder.host}, started ${holder.started}`
    : "a lock that cannot be read (empty or damaged)";
  return new BatchError(
    "E_INBOX_LOCKED",
    `${dir} is in use by another inbox run: ${who} (lock file ${error.lockPath}). This call does nothing and moves no file; let that run finish. If it is gone (another host's lock is never taken over), delete ${error.lockPath}`,
    { cause: error },
  );
}

/** Stops the pass after this file: every further file would meet the same store problem. */
const STOPS_THE_PASS: ReadonlySet<string> = new Set([
  "E_CREDENTIALS_REJECTED",
  "E_OUTAGE",
  "outage",
  "credentials_rejected",
]);

/** Runs the inbox: one pass, or passes every `watchMs` until the signal. */
export async function runInbox(options: InboxOptions): Promise<InboxResult> {
  const dir = options.dir;
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error("not a folder");
  } catch (error) {
    throw new BatchError(
      "E_INBOX_DIR",
      `${dir}: the inbox folder ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "is not a folder or cannot be read"}`,
      { cause: error },
    );
  }
  let lock: Awaited<ReturnType<typeof acquireResultsLock>>;
  try {
    lock = await acquireResultsLock(join(dir, INBOX_LOCK_BASE));
  } catch (error) {
    if (error instanceof ResultsLockedError) throw inboxLockedError(dir, error);
    throw new BatchError(
      "E_INBOX_DIR",
      `${dir}: cannot create the inbox lock file: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    if (lock.warning) {
      // The results-file wording ("--resume completes them") does not fit a folder: say what happens here.
      options.onWarning?.(
        lock.warning.replace(
          /; its results may be incomplete, --resume completes them$/,
          "; a file it left in processing/ is resumed first",
        ),
      );
    }
    for (const folder of Object.values(INBOX_FOLDERS)) {
      try {
        await mkdir(join(dir, folder), { recursive: true });
      } catch (error) {
        throw new BatchError(
          "E_INBOX_DIR",
          `${join(dir, folder)}: cannot create the folder: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    const passes: PassReport[] = [];
    const codes: number[] = [];
    for (;;) {
      const pass = await onePass(options);
      passes.push(pass);
      codes.push(...pass.files.map((file) => file.exitCode));
      if (options.watchMs === undefined || options.signal?.aborted) break;
      // Every pass is reported in watch mode only when it did something; the last always is.
      if (pass.files.length > 0) options.onPass?.(pass);
      try {
        await delay(options.watchMs, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        break; // aborted while waiting
      }
    }
    const stopped = options.signal?.aborted === true;
    const exitCode = stopped ? (options.stopExitCode?.() ?? 130) : worstExitCode(codes);
    const last = passes[passes.length - 1] as PassReport;
    options.onPass?.({ ...last, stopped: last.stopped || stopped, exitCode });
    return { passes, exitCode };
  } finally {
    lock.release();
  }
}

interface Candidate {
  readonly name: string;
  readonly mtimeMs: number;
  readonly size: number;
}

/** The regular files among `names` in `folder`, oldest first (then by name). */
async function regularFiles(folder: string, names: readonly string[]): Promise<Candidate[]> {
  const files: Candidate[] = [];
  for (const name of names) {
    try {
      // lstat: a symbolic link is never taken (moving it would move the link, not the file).
      const info = await lstat(join(folder, name));
      if (info.isFile()) files.push({ name, mtimeMs: info.mtimeMs, size: info.size });
    } catch {
      // Gone since the listing.
    }
  }
  return files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
}

async function onePass(options: InboxOptions): Promise<PassReport> {
  const dir = options.dir;
  const processing = join(dir, INBOX_FOLDERS.processing);
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_S * 1000;
  const now = options.now ?? (() => new Date());
  const files: FileReport[] = [];
  const waiting: string[] = [];
  const finish = (stopped: boolean): PassReport => ({
    dir,
    files,
    waiting,
    stopped,
    exitCode: worstExitCode(files.map((file) => file.exitCode)),
  });

  // First the files a crash or a stop left in processing/, resumed.
  const left = await regularFiles(processing, inputsAmong(await namesIn(processing)));
  for (const file of left) {
    if (options.signal?.aborted) return finish(true);
    const report = await processFile(options, file.name, true);
    files.push(report);
    await options.onFile?.(report);
    if (stopsThePass(report)) return finish(true);
  }

  // Then the inbox's own, oldest first, each only once it has settled.
  const found = await regularFiles(dir, (await namesIn(dir)).filter(isCandidateName));
  for (const file of found) {
    if (options.signal?.aborted) return finish(true);
    let again: Stats;
    try {
      again = await lstat(join(dir, file.name));
    } catch {
      continue; // taken away meanwhile
    }
    if (!isSettled(file, again, now().getTime(), settleMs)) {
      waiting.push(file.name);
      continue;
    }
    const report = await processFile(options, file.name, false);
    files.push(report);
    await options.onFile?.(report);
    if (stopsThePass(report)) return finish(true);
  }
  return finish(false);
}

function stopsThePass(report: FileReport): boolean {
  if (report.status === "processing") return true; // stopped by the signal
  const reason = report.summary?.stopReason ?? report.error?.code;
  return reason !== undefined && STOPS_THE_PASS.has(reason);
}

/** Runs one file: into processing/ (unless resumed from there), then done/ or failed/. */
async function processFile(
  options: InboxOptions,
  name: string,
  resumed: boolean,
): Promise<FileReport> {
  const dir = options.dir;
  const processing = join(dir, INBOX_FOLDERS.processing);
  const now = options.now ?? (() => new Date());
  const ext = name.slice(-4);
  const found = csvBase(name) as string;
  // The name it runs under in processing/: its own, unless that (or one of its results) is taken.
  const taken = resumed ? undefined : new Set(await namesIn(processing));
  const base = taken ? freeBase(found, ext, (n) => taken.has(n), now()) : found;
  const group = groupOf(base, ext);
  const input = join(processing, group.input);
  const output = join(processing, group.results);
  // Bad flags or credentials are the command's problem, not the file's: it stays where it is.
  const runOptions = await options.prepare({ input, output, resume: resumed });
  if (!resumed) {
    await moveNoClobber(join(dir, name), input).catch((error: unknown) => {
      throw new BatchError(
        "E_INBOX_DIR",
        `cannot move ${join(dir, name)} into ${processing}: ${(error as Error).message}`,
        { cause: error },
      );
    });
  }

  let summary: RunSummary | undefined;
  let error: { code: string; message: string } | undefined;
  let exitCode: number;
  try {
    summary = await options.run(runOptions, group.input);
    exitCode = (options.exitCodeOf ?? exitCodeOf)(summary);
  } catch (thrown) {
    // The whole file was refused (bad header, unreadable, …) or the run could not start.
    const batch = thrown instanceof BatchError ? thrown : undefined;
    const code = batch?.code ?? "E_INTERNAL";
    const message = options.redact
      ? options.redact(thrown instanceof Error ? thrown.message : String(thrown))
      : thrown instanceof Error
        ? thrown.message
        : String(thrown);
    error = { code, message };
    exitCode = batch?.exitCode ?? 2;
    const fix = (CODES as Record<string, { fix: string } | undefined>)[code]?.fix;
    await writeFile(
      join(processing, group.errorText),
      `${group.input}: refused as a whole, nothing was sent for it (exit ${exitCode})\n${code}: ${message}\n${fix ? `fix: ${fix}\n` : ""}`,
    );
  }

  if (summary?.stopReason === "interrupted") {
    return {
      file: name,
      status: "processing",
      movedTo: `${INBOX_FOLDERS.processing}/${group.input}`,
      resumed,
      exitCode,
      summary,
    };
  }
  const status: FileStatus = exitCode === 0 ? "done" : "failed";
  const target = await moveGroup(processing, join(dir, INBOX_FOLDERS[status]), base, ext, now());
  const moved = groupOf(target, ext);
  const at = (file: string) => join(dir, INBOX_FOLDERS[status], file);
  return {
    file: name,
    status,
    movedTo: `${INBOX_FOLDERS[status]}/${moved.input}`,
    resumed,
    exitCode,
    ...(summary
      ? {
          summary: {
            ...summary,
            resultsFile: summary.resultsFile && at(moved.results),
            failedFile: summary.failedFile && at(moved.failedRows),
          },
        }
      : {}),
    ...(error ? { error, errorFile: at(moved.errorText) } : {}),
  };
}

// ---- Flags ----

/** The inbox's own flags, checked; the run flags are checked by options.ts as for `run`. */
export function checkInboxFlags(flags: {
  readonly settle?: number | undefined;
  readonly watch?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly resume?: boolean | undefined;
}): { settleMs: number; watchMs: number | undefined } {
  if (flags.dryRun) {
    throw new UsageError(
      "`inbox` does not take `--dry-run`: it would move files into done/ that were never applied; try a file with `bc-order-batch FILE --dry-run` instead",
    );
  }
  if (flags.resume) {
    throw new UsageError(
      "`inbox` does not take `--resume`: it resumes the files left in processing/ by itself, first",
    );
  }
  const settle = flags.settle ?? DEFAULT_SETTLE_S;
  if (!Number.isFinite(settle) || settle < 0 || settle > 86_400) {
    throw new UsageError(
      `Expected \`--settle\` to be a number of seconds from 0 to 86400, got ${flags.settle}`,
    );
  }
  let watchMs: number | undefined;
  if (flags.watch !== undefined) {
    const text = flags.watch.trim();
    const watch = text === "" ? DEFAULT_WATCH_S : Number(text);
    if (!Number.isFinite(watch) || watch <= 0 || watch > 86_400) {
      throw new UsageError(
        `Expected \`--watch\` to be a number of seconds above 0 (at most 86400), got "${flags.watch}"; e.g. --watch 60`,
      );
    }
    watchMs = Math.round(watch * 1000);
  }
  return { settleMs: Math.round(settle * 1000), watchMs };
}
